using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace Scalable.Caching.Tests;

// Redis dies (kill -9) or hangs (SIGSTOP) under connections made the way users make them, with StackExchange.Redis's
// default options: 2.x queues commands while disconnected and waits its own 5 s timeout. The cache keeps its defaults too.
// Each test starts its own Redis, because it breaks it.
public sealed class RedisDefaultClientOutageTests(ITestOutputHelper output)
{
    // docs/caching.md, "When Redis fails": the longest a caller waits for Redis with the default options.
    private static readonly TimeSpan DocumentedBound = TimeSpan.FromSeconds(3);

    // Headroom for a loaded two-core machine; this is a bound on waiting, not a performance measure.
    private static readonly TimeSpan Slack = TimeSpan.FromSeconds(2);

    // Longer than the breaker's default break duration (5 s), so callers also meet the probe that follows it.
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(6);

    private static readonly CacheEntryOptions FailSafe = new()
    {
        Duration = TimeSpan.FromSeconds(3),
        FailSafeMaxDuration = TimeSpan.FromHours(1),
        EarlyRefreshBeta = 0,
    };

    [Theory]
    [InlineData("Connect(host:port)", "kill -9")]
    [InlineData("Connect(host:port)", "SIGSTOP")]
    [InlineData("WithRedis(host:port)", "kill -9")]
    [InlineData("WithRedis(host:port)", "SIGSTOP")]
    public async Task Callers_get_values_within_the_documented_bound_and_after_redis_returns_invalidation_and_fleet_single_flight_work_again(string connect, string failure)
    {
        await using var server = await RedisServer.StartLocalAsync();
        var prefix = CacheInstance.NewPrefix();
        using var a = Open(server, connect, prefix);
        using var b = Open(server, connect, prefix);
        var computed = Stopwatch.StartNew();
        await a.Cache.GetOrCreateAsync("stale", _ => ValueTask.FromResult("kept"), FailSafe);

        // The notice of A's computation can reach B after B has read the value, and evict B's copy: read until it stays.
        await Eventually.TrueAsync(
            async () =>
            {
                Assert.Equal("kept", await b.Cache.GetOrCreateAsync("stale", _ => ValueTask.FromResult("b's factory"), FailSafe));
                await Task.Delay(100);
                return b.Internal.L1Count == 1;
            },
            because: "B to keep its copy of the value A computed");
        var calls = new ConcurrentQueue<(string Call, TimeSpan Took, Exception? Error)>();

        await (failure == "SIGSTOP" ? server.PauseAsync() : server.StopAsync());
        try
        {
            var expired = FailSafe.Duration - computed.Elapsed + TimeSpan.FromMilliseconds(100);
            await Task.Delay(expired > TimeSpan.Zero ? expired : TimeSpan.Zero); // then only fail-safe can serve "stale"
            await Task.WhenAll(Enumerable.Range(0, 8).Select(worker => CallDuringOutageAsync(worker % 2 == 0 ? a : b, worker, calls)));
        }
        finally
        {
            await (failure == "SIGSTOP" ? server.ResumeAsync() : server.RestartAsync());
        }

        var slowest = calls.MaxBy(c => c.Took);
        output.WriteLine($"{calls.Count} calls during the outage; the slowest, {slowest.Call}, took {slowest.Took.TotalSeconds:0.000} s");
        Assert.True(calls.Count > 8, $"callers made only {calls.Count} calls");
        var failed = calls.Where(c => c.Error is not null).ToList();
        Assert.True(failed.Count == 0, $"{failed.Count} calls failed; the first, {failed.FirstOrDefault().Call}: {failed.FirstOrDefault().Error}\nlog of A:\n{a.Log.Text}");
        Assert.True(slowest.Took <= DocumentedBound + Slack, $"{slowest.Call} waited {slowest.Took.TotalSeconds:0.00} s; log of A:\n{a.Log.Text}");

        await Eventually.TrueAsync(() => ChangeReachesAsync(a, b), because: "a change on A to evict B's copy again");
        await Eventually.TrueAsync(() => ChangeReachesAsync(b, a), because: "a change on B to evict A's copy again");
        Assert.Equal(1, await StampedeAsync(a, b));
    }

    [Fact]
    public async Task A_caller_waiting_for_another_instances_factory_computes_itself_within_the_documented_bound_when_redis_hangs()
    {
        await using var server = await RedisServer.StartLocalAsync();
        var prefix = CacheInstance.NewPrefix();
        using var holder = Open(server, "Connect(host:port)", prefix);
        using var waiter = Open(server, "Connect(host:port)", prefix);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var holderCall = holder.Cache.GetOrCreateAsync("k", async _ =>
        {
            started.SetResult();
            await release.Task;
            return "from the holder";
        }).AsTask();
        await started.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var waiterCall = waiter.Cache.GetOrCreateAsync("k", _ => ValueTask.FromResult("computed by the waiter")).AsTask();
        await Task.Delay(300);
        Assert.False(waiterCall.IsCompleted, "the waiter should wait for the holder's lease while Redis answers");

        // No notice can come now, and the lease (10 s by default) never expires while Redis is frozen.
        await server.PauseAsync();
        var watch = Stopwatch.StartNew();
        try
        {
            Assert.Equal("computed by the waiter", await waiterCall.WaitAsync(TimeSpan.FromSeconds(60)));
            Assert.True(watch.Elapsed <= DocumentedBound + Slack, $"the waiter took {watch.Elapsed.TotalSeconds:0.00} s; its log:\n{waiter.Log.Text}");
        }
        finally
        {
            release.TrySetResult();
            await server.ResumeAsync();
        }

        Assert.Equal("from the holder", await holderCall.WaitAsync(TimeSpan.FromSeconds(60)));
    }

    [Fact]
    public async Task A_caller_that_cancels_while_redis_hangs_stops_waiting_and_its_cancellation_is_not_an_l2_failure()
    {
        await using var server = await RedisServer.StartLocalAsync();

        // Only the caller's token can end these waits early; and a single failure would open the breaker.
        using var a = CacheInstance.WithRedis(ConnectionMultiplexer.Connect(server.Endpoint), o =>
        {
            o.L2OperationTimeout = TimeSpan.FromMinutes(5);
            o.L2CircuitBreakerFailureThreshold = 1;
        }, CacheInstance.NewPrefix());
        await a.Cache.SetAsync("k", "v1");

        await server.PauseAsync();
        try
        {
            await CancelledPromptlyAsync(ct => a.Cache.TryGetAsync<string>("cold", ct).AsTask());
            await CancelledPromptlyAsync(ct => a.Cache.SetAsync("k", "v2", cancellationToken: ct).AsTask());
            await CancelledPromptlyAsync(ct => a.Cache.RemoveAsync("other", ct).AsTask());
            await CancelledPromptlyAsync(ct => a.Cache.GetOrCreateAsync("cold", _ => ValueTask.FromResult("computed"), cancellationToken: ct).AsTask());

            Assert.Equal(2, a.Internal.PendingRemovalCount); // the set and the removal may not have reached L2: both are replayed
            Assert.DoesNotContain("circuit breaker opened", a.Log.Text, StringComparison.Ordinal);
        }
        finally
        {
            await server.ResumeAsync();
        }

        Assert.Equal("v2", (await a.Cache.TryGetAsync<string>("k")).Value);
    }

    // The caller cancels after 200 ms and must get OperationCanceledException well before Redis's own 5 s timeout.
    private static async Task CancelledPromptlyAsync(Func<CancellationToken, Task> call)
    {
        using var caller = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        var watch = Stopwatch.StartNew();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call(caller.Token).WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2) + Slack, $"the call took {watch.Elapsed.TotalSeconds:0.00} s after a cancellation at 0.2 s");
    }

    private static CacheInstance Open(RedisServer server, string connect, string prefix)
        => connect == "WithRedis(host:port)"
            ? CacheInstance.Build(null, null, null, prefix, s => s.AddScalableCaching().WithRedis(server.Endpoint))
            : CacheInstance.WithRedis(ConnectionMultiplexer.Connect(server.Endpoint), null, prefix);

    // One caller's loop of reads, computes, writes and removals while Redis is gone; every call is timed and must succeed.
    private static async Task CallDuringOutageAsync(CacheInstance instance, int worker, ConcurrentQueue<(string, TimeSpan, Exception?)> calls)
    {
        async Task TimedAsync(string call, Func<Task> operation)
        {
            var watch = Stopwatch.StartNew();
            Exception? error = null;
            try
            {
                await operation();
            }
            catch (Exception e)
            {
                error = e;
            }

            calls.Enqueue((call, watch.Elapsed, error));
        }

        var outage = Stopwatch.StartNew();
        for (var i = 0; outage.Elapsed < Outage; i++)
        {
            var key = $"w{worker}-{i}";
            await TimedAsync($"GetOrCreateAsync({key})", async () =>
                Assert.Equal(key, await instance.Cache.GetOrCreateAsync(key, _ => ValueTask.FromResult(key))));
            await TimedAsync("GetOrCreateEntryAsync(stale) with a failing factory", async () =>
                Assert.Equal(
                    new CacheResult<string>("kept", true, true),
                    await instance.Cache.GetOrCreateEntryAsync<string>("stale", (_, _) => throw new InvalidOperationException("the source is down too"), FailSafe)));
            await TimedAsync($"SetAsync({key})", () => instance.Cache.SetAsync(key, i).AsTask());
            await TimedAsync($"RemoveAsync({key})", () => instance.Cache.RemoveAsync(key).AsTask());
            await Task.Delay(5); // traffic, not a busy loop: the machine is shared
        }
    }

    // True when a value set on one instance replaces the copy the other holds in L1: only a backplane notice can evict it.
    private static async Task<bool> ChangeReachesAsync(CacheInstance from, CacheInstance to)
    {
        var key = CacheInstance.NewKey();
        await to.Cache.GetOrCreateAsync(key, _ => ValueTask.FromResult("old"));
        await from.Cache.SetAsync(key, "new");
        var wait = Stopwatch.StartNew();
        while (wait.Elapsed < TimeSpan.FromSeconds(2))
        {
            if ((await to.Cache.TryGetAsync<string>(key)).Value == "new")
            {
                return true;
            }

            await Task.Delay(25);
        }

        return false;
    }

    // Both instances ask for one cold key at once; returns how many times the factory ran in the fleet.
    private static async Task<int> StampedeAsync(CacheInstance a, CacheInstance b)
    {
        var key = CacheInstance.NewKey();
        var runs = 0;
        var callers = Enumerable.Range(0, 20).Select(i => Task.Run(async () => await (i % 2 == 0 ? a : b).Cache.GetOrCreateAsync(key, async ct =>
        {
            Interlocked.Increment(ref runs);
            await Task.Delay(300, ct);
            return "computed once";
        })));
        Assert.All(await Task.WhenAll(callers).WaitAsync(TimeSpan.FromSeconds(60)), v => Assert.Equal("computed once", v));
        return runs;
    }
}
