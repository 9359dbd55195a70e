using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.CircuitBreaker;
using Polly.Registry;
using Scalable.TestSupport;
using StackExchange.Redis;

namespace Scalable.Resilience.Tests;

public sealed class SharedCircuitBreakerTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    private const int RemoteChangeEventId = 6004;
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task When_one_instance_opens_the_breaker_the_other_rejects_calls_too()
    {
        var name = $"payments-{Guid.NewGuid():N}";
        await using var a = Instance(name);
        await using var b = Instance(name);
        var pipelineA = a.GetRequiredService<ResiliencePipelineProvider<string>>().GetPipeline("payments");
        var pipelineB = b.GetRequiredService<ResiliencePipelineProvider<string>>().GetPipeline("payments");
        await b.GetRequiredService<SharedCircuitBreakers>().Get(name).Ready;
        var calledOnB = 0;
        await pipelineB.ExecuteAsync(_ => { calledOnB++; return ValueTask.CompletedTask; });
        Assert.Equal(1, calledOnB);

        for (var i = 0; i < 2; i++)
        {
            await Assert.ThrowsAsync<InvalidOperationException>(async () => await pipelineA.ExecuteAsync<int>(_ => throw new InvalidOperationException("dependency down")));
        }

        // B ran the call before A's failures (it was closed: the rejection below is A's break, not B's own state), runs
        // every call it lets through while the break travels, and runs none once it rejects.
        var letThrough = 1;
        await Eventually.TrueAsync(async () =>
        {
            try
            {
                await pipelineB.ExecuteAsync(_ => { calledOnB++; return ValueTask.CompletedTask; });
                letThrough++;
                return false;
            }
            catch (BrokenCircuitException)
            {
                return true;
            }
        }, Bound, "instance B to see the breaker opened by A");
        Assert.Equal(letThrough, calledOnB);
        await Assert.ThrowsAnyAsync<BrokenCircuitException>(async () => await pipelineB.ExecuteAsync(_ => { calledOnB++; return ValueTask.CompletedTask; }));
        Assert.Equal(letThrough, calledOnB);
    }

    [Fact]
    public async Task Manual_isolate_and_close_reach_every_instance_including_one_that_starts_later()
    {
        var name = $"search-{Guid.NewGuid():N}";
        using var connectionA = redis.Connect();
        using var connectionB = redis.Connect();
        using var connectionC = redis.Connect();
        await using var a = new SharedCircuitBreaker(connectionA, name);
        await using var b = new SharedCircuitBreaker(connectionB, name);
        var pipelineB = Pipeline(b);
        await Task.WhenAll(a.Ready, b.Ready);

        await a.IsolateAsync();
        await Eventually.TrueAsync(() => Rejects(pipelineB), Bound, "B to be isolated");

        await using var c = new SharedCircuitBreaker(connectionC, name);
        var pipelineC = Pipeline(c);
        await c.Ready;
        await Eventually.TrueAsync(() => Rejects(pipelineC), Bound, "a late instance to read the isolation");

        await a.CloseAsync();
        await Eventually.TrueAsync(async () => !await Rejects(pipelineB) && !await Rejects(pipelineC), Bound, "B and C to close");
    }

    [Fact]
    public async Task A_remote_break_ends_once_the_openers_shared_state_expired_when_it_never_probes()
    {
        var name = $"inventory-{Guid.NewGuid():N}";
        var clock = new FakeTimeProvider();
        using var connectionA = redis.Connect();
        using var connectionB = redis.Connect();
        var a = new SharedCircuitBreaker(connectionA, name);
        await using var b = new SharedCircuitBreaker(connectionB, name, clock);
        var pipelineA = Pipeline(a, minimumThroughput: 2, breakDuration: TimeSpan.FromSeconds(1));
        var pipelineB = Pipeline(b);
        await Task.WhenAll(a.Ready, b.Ready);

        for (var i = 0; i < 2; i++)
        {
            await Assert.ThrowsAsync<InvalidOperationException>(async () => await pipelineA.ExecuteAsync<int>(_ => throw new InvalidOperationException()));
        }

        await Eventually.TrueAsync(() => Rejects(pipelineB), Bound, "B to see the break");

        // The opener goes away without probing (as a crashed instance would): its entry expires on Redis after its one-second
        // break, and B closes at its next look past that expiry.
        await a.DisposeAsync();
        await Eventually.TrueAsync(async () =>
        {
            clock.Advance(TimeSpan.FromSeconds(5));
            return !await Rejects(pipelineB);
        }, Bound, "B to close once the opener's state expired");
    }

    [Fact]
    public async Task Remote_instances_follow_the_openers_half_open_probe_instead_of_closing_on_a_timer()
    {
        var name = $"probe-{Guid.NewGuid():N}";
        var clock = new FakeTimeProvider();
        using var connectionA = redis.Connect();
        using var connectionB = redis.Connect();
        await using var a = new SharedCircuitBreaker(connectionA, name, clock);
        await using var b = new SharedCircuitBreaker(connectionB, name, clock);
        var pipelineA = Pipeline(a, minimumThroughput: 2, clock);
        var pipelineB = Pipeline(b, clock: clock);
        await Task.WhenAll(a.Ready, b.Ready);

        for (var i = 0; i < 2; i++)
        {
            await Assert.ThrowsAsync<InvalidOperationException>(async () => await pipelineA.ExecuteAsync<int>(_ => throw new InvalidOperationException()));
        }

        await Eventually.TrueAsync(() => Rejects(pipelineB), Bound, "B to see the break");

        // The break ends: A lets one probe through, the others keep rejecting while it runs and after it fails.
        // B's timer reads the shared state; the test waits for that read to finish before it moves the clock again, so
        // the next jump does not time out a Redis read still in flight (which ends a break, as Redis down would).
        var checks = b.ChecksCompleted;
        clock.Advance(TimeSpan.FromSeconds(35));
        await Eventually.TrueAsync(() => b.ChecksCompleted > checks, Bound, "B to read the shared state when its timer fired");
        Assert.True(await Rejects(pipelineB), "B closed on its own timer while the opener had not probed yet");
        var probeRunning = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var probeEnds = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var probe = pipelineA.ExecuteAsync<int>(async _ =>
        {
            probeRunning.SetResult();
            await probeEnds.Task;
            throw new InvalidOperationException("still down");
        }).AsTask();
        await probeRunning.Task;
        Assert.True(await Rejects(pipelineB), "B closed while the opener's probe was running");
        probeEnds.SetResult();
        await Assert.ThrowsAsync<InvalidOperationException>(() => probe);
        for (var i = 0; i < 5; i++)
        {
            Assert.True(await Rejects(pipelineB), "B closed although the opener's probe failed");
        }

        clock.Advance(TimeSpan.FromSeconds(35));
        Assert.True(await Rejects(pipelineB), "B closed on its timer after the failed probe");

        // The next probe succeeds: A closes, and so does everyone following it.
        await pipelineA.ExecuteAsync(_ => ValueTask.CompletedTask);
        await Eventually.TrueAsync(async () => !await Rejects(pipelineB), Bound, "B to close once the opener's probe succeeded");
    }

    [Fact]
    public async Task One_openers_successful_probe_does_not_close_the_instances_while_another_opener_still_fails()
    {
        var clock = new FakeTimeProvider();
        for (var attempt = 1; ; attempt++)
        {
            var name = $"openers-{Guid.NewGuid():N}";
            using var connectionA = redis.Connect();
            using var connectionB = redis.Connect();
            using var connectionC = redis.Connect();
            await using var a = new SharedCircuitBreaker(connectionA, name, clock);
            await using var b = new SharedCircuitBreaker(connectionB, name, clock);
            await using var c = new SharedCircuitBreaker(connectionC, name, clock);
            var pipelineA = Pipeline(a, minimumThroughput: 2, clock);
            var pipelineB = Pipeline(b, minimumThroughput: 2, clock);
            var pipelineC = Pipeline(c, clock: clock);
            await Task.WhenAll(a.Ready, b.Ready, c.Ready);

            // A and B see their failures at the same moment, so each opens on its own before it hears of the other.
            var failuresSeen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var failures = new[] { pipelineA, pipelineA, pipelineB, pipelineB }.Select(pipeline => Assert.ThrowsAsync<InvalidOperationException>(async () =>
                await pipeline.ExecuteAsync<int>(async _ =>
                {
                    await failuresSeen.Task;
                    throw new InvalidOperationException();
                }))).ToArray();
            failuresSeen.SetResult();
            await Task.WhenAll(failures);
            if (a.StateProvider.CircuitState != CircuitState.Open || b.StateProvider.CircuitState != CircuitState.Open)
            {
                // One heard of the other before its own second failure (a loaded machine): set the scene again.
                Assert.True(attempt < 5, "A and B never opened on their own at the same time");
                continue;
            }

            await Eventually.TrueAsync(() => Rejects(pipelineC), Bound, "C to see the break");
            clock.Advance(TimeSpan.FromSeconds(35));
            await pipelineA.ExecuteAsync(_ => ValueTask.CompletedTask);
            await Assert.ThrowsAsync<InvalidOperationException>(async () => await pipelineB.ExecuteAsync<int>(_ => throw new InvalidOperationException("still down for B")));
            for (var i = 0; i < 5; i++)
            {
                Assert.True(await Rejects(pipelineC), "C closed when A's probe succeeded although B's failed");
            }

            clock.Advance(TimeSpan.FromSeconds(35));
            await pipelineB.ExecuteAsync(_ => ValueTask.CompletedTask);
            await Eventually.TrueAsync(async () => !await Rejects(pipelineC) && !await Rejects(pipelineA), Bound, "C and A to close once B's probe succeeded");
            return;
        }
    }

    [Fact]
    public async Task Several_pipelines_of_one_instance_can_share_one_breaker_name()
    {
        var name = $"ledger-{Guid.NewGuid():N}";
        using var connectionA = redis.Connect();
        using var connectionB = redis.Connect();
        await using var a = new SharedCircuitBreaker(connectionA, name);
        await using var b = new SharedCircuitBreaker(connectionB, name);
        var reads = Pipeline(b);
        var writes = Pipeline(b);
        await Task.WhenAll(a.Ready, b.Ready);

        await a.IsolateAsync();

        await Eventually.TrueAsync(async () => await Rejects(reads) && await Rejects(writes), Bound, "both pipelines of B to be isolated");
    }

    [Fact]
    public async Task A_container_disposed_synchronously_stops_its_shared_breakers_listening()
    {
        var name = $"sync-{Guid.NewGuid():N}";
        using var connection = redis.Connect();
        using var logs = new RecordingLoggerProvider();
        var provider = Instance(name, connection, logs);
        provider.GetRequiredService<ResiliencePipelineProvider<string>>().GetPipeline("payments");
        var disposed = provider.GetRequiredService<SharedCircuitBreakers>().Get(name);
        await disposed.Ready;
        // A pipeline the container does not own, on the disposed breaker's manual control: it shows whether an isolation still reaches it.
        var outliving = Pipeline(disposed);
        Assert.Equal(1, await Subscribers(connection, name));

        provider.Dispose();

        // The connection stays open (the test owns it), so only the breaker's own unsubscribe ends the subscription.
        await Eventually.TrueAsync(async () => await Subscribers(connection, name) == 0, Bound, "the disposed breaker to unsubscribe");
        using var connectionA = redis.Connect();
        using var connectionB = redis.Connect();
        await using var isolating = new SharedCircuitBreaker(connectionA, name);
        await using var witness = new SharedCircuitBreaker(connectionB, name);
        var witnessPipeline = Pipeline(witness);
        await Task.WhenAll(isolating.Ready, witness.Ready);
        await isolating.IsolateAsync();
        await Eventually.TrueAsync(() => Rejects(witnessPipeline), Bound, "a live instance to be isolated");

        Assert.False(await Rejects(outliving), "the disposed breaker still followed an isolation");
        Assert.DoesNotContain(logs.Entries, entry => entry.Level >= LogLevel.Warning || entry.EventId == RemoteChangeEventId);
    }

    [Fact]
    public async Task Without_Redis_the_breaker_still_works_locally()
    {
        await using var server = await RedisServer.StartLocalAsync();
        using var connection = server.Connect();
        await server.StopAsync();
        await using var breaker = new SharedCircuitBreaker(connection, $"lonely-{Guid.NewGuid():N}");
        var pipeline = Pipeline(breaker, minimumThroughput: 2);
        await breaker.Ready;

        for (var i = 0; i < 2; i++)
        {
            await Assert.ThrowsAsync<InvalidOperationException>(async () => await pipeline.ExecuteAsync<int>(_ => throw new InvalidOperationException()));
        }

        Assert.True(await Rejects(pipeline));
    }

    internal static async Task<bool> Rejects(ResiliencePipeline pipeline)
    {
        try
        {
            await pipeline.ExecuteAsync(_ => ValueTask.CompletedTask);
            return false;
        }
        catch (BrokenCircuitException)
        {
            return true;
        }
    }

    private static ResiliencePipeline Pipeline(SharedCircuitBreaker shared, int minimumThroughput = 100, TimeProvider? clock = null, TimeSpan? breakDuration = null)
        => new ResiliencePipelineBuilder { TimeProvider = clock ?? TimeProvider.System }.AddCircuitBreaker(shared.Apply(new CircuitBreakerStrategyOptions
        {
            MinimumThroughput = minimumThroughput,
            FailureRatio = 0.5,
            BreakDuration = breakDuration ?? TimeSpan.FromSeconds(30),
        })).Build();

    // How many connections listen on the shared breaker's channel, as the Redis server counts them.
    private static async Task<long> Subscribers(IConnectionMultiplexer connection, string name)
    {
        var reply = (RedisResult[])(await connection.GetDatabase().ExecuteAsync("PUBSUB", "NUMSUB", "scalable:cb:" + name))!;
        return (long)reply[1];
    }

    private ServiceProvider Instance(string sharedName, IConnectionMultiplexer? connection = null, ILoggerProvider? logs = null)
    {
        var services = new ServiceCollection();
        if (logs is not null)
        {
            services.AddLogging(logging => logging.AddProvider(logs));
        }

        services.AddScalableResilience()
            .WithRedis(_ => connection ?? redis.Connect())
            .AddPipeline("payments", p =>
            {
                p.Retry.Enabled = false;
                p.CircuitBreaker.MinimumThroughput = 2;
                p.CircuitBreaker.FailureRatio = 0.5;
                p.CircuitBreaker.BreakDuration = TimeSpan.FromSeconds(30);
                p.CircuitBreaker.SharedName = sharedName;
            });
        return services.BuildServiceProvider();
    }
}
