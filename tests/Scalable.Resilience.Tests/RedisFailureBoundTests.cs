using System.Diagnostics;
using System.Threading.RateLimiting;
using Microsoft.Extensions.DependencyInjection;
using Polly;
using Polly.CircuitBreaker;
using Polly.Registry;
using Scalable.TestSupport;
using StackExchange.Redis;

namespace Scalable.Resilience.Tests;

// The promises of docs/resilience.md's failure table, on StackExchange.Redis's DEFAULT options (abortConnect=true,
// 5 s timeouts, commands held in its backlog while disconnected): Redis killed (kill -9) or hung (SIGSTOP), no caller
// waits longer than the decision timeout, no exception escapes, and everything works again once Redis is back.
public sealed class RedisFailureBoundTests : IAsyncLifetime
{
    // The documented bound is DecisionTimeout (1 s by default); the client's own timeout is 5 s. The slack covers a busy
    // 2-core machine and still tells the two apart.
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(3.5);
    private static readonly TimeSpan Recovery = TimeSpan.FromSeconds(30);
    private RedisServer _server = null!;

    public enum Kind
    {
        Gcra,
        SlidingWindow,
        Concurrency,
    }

    public async Task InitializeAsync() => _server = await RedisServer.StartLocalAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    public enum Failure
    {
        Killed,
        Hung,
    }

    public static TheoryData<Kind, Failure> Cases { get; } = new()
    {
        { Kind.Gcra, Failure.Killed }, { Kind.SlidingWindow, Failure.Killed }, { Kind.Concurrency, Failure.Killed },
        { Kind.Gcra, Failure.Hung }, { Kind.SlidingWindow, Failure.Hung }, { Kind.Concurrency, Failure.Hung },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task A_killed_or_hung_Redis_costs_a_caller_at_most_the_decision_timeout_and_the_limiter_recovers_when_Redis_is_back(Kind kind, Failure failure)
    {
        using var connection = ConnectWithDefaults();
        using var limiter = Create(kind, connection, permitLimit: 3);
        (await limiter.AcquireAsync()).Dispose();

        await BreakAsync(failure);
        try
        {
            await AssertBoundedOutageDecisionsAsync(limiter);
            await AssertCancellationIsHonouredAsync(limiter);
        }
        finally
        {
            await RepairAsync(failure);
        }

        // Calls given up while Redis hung run when it resumes; the concurrency limiter's must not keep a permit.
        await AssertSharedLimitingResumesAsync(limiter, permitLimit: 3);
    }

    [Fact]
    public async Task A_WithRedis_factory_that_fails_at_start_is_retried_and_limiters_and_shared_breakers_work_once_Redis_is_up()
    {
        await _server.StopAsync();
        var name = $"start-{Guid.NewGuid():N}";
        var failures = 0;
        await using var first = Container(name, () =>
        {
            try
            {
                return ConnectWithDefaults(); // abortConnect=true: throws while Redis is down
            }
            catch (RedisConnectionException)
            {
                Interlocked.Increment(ref failures);
                throw;
            }
        });
        var limiter = first.GetRequiredKeyedService<RateLimiter>(name);
        var pipeline = first.GetRequiredService<ResiliencePipelineProvider<string>>().GetPipeline("payments");

        // Resolving, building and running never wait on the failing connect, and nothing throws.
        var watch = Stopwatch.StartNew();
        using (var lease = await limiter.AcquireAsync())
        {
            Assert.False(lease.IsAcquired); // fail closed: decided by the outage policy
        }

        Assert.Equal(7, await pipeline.ExecuteAsync(_ => ValueTask.FromResult(7)));
        Assert.InRange(watch.Elapsed, TimeSpan.Zero, Bound * 2);

        await Eventually.TrueAsync(() => Volatile.Read(ref failures) > 0, Recovery, "the factory to throw");
        await _server.RestartAsync();
        await Eventually.TrueAsync(async () =>
        {
            using var lease = await limiter.AcquireAsync();
            return lease.IsAcquired;
        }, Recovery, "the limiter to reach Redis through a later factory call");

        await using var second = Container(name, ConnectWithDefaults);
        var other = second.GetRequiredService<SharedCircuitBreakers>().Get(name);
        await Eventually.TrueAsync(async () =>
        {
            await other.IsolateAsync();
            return await SharedCircuitBreakerTests.Rejects(pipeline);
        }, Recovery, "the breaker of the instance whose factory failed to subscribe once Redis is up");
    }

    [Fact]
    public async Task A_shared_breaker_retries_a_failing_factory_in_the_background_and_stops_when_disposed()
    {
        var calls = 0;
        var provider = Container($"retry-{Guid.NewGuid():N}", () =>
        {
            Interlocked.Increment(ref calls);
            throw new InvalidOperationException("Redis is down.");
        });
        var pipeline = provider.GetRequiredService<ResiliencePipelineProvider<string>>().GetPipeline("payments");
        Assert.Equal(1, await pipeline.ExecuteAsync(_ => ValueTask.FromResult(1)));
        await Eventually.TrueAsync(() => Volatile.Read(ref calls) >= 2, Recovery, "the breaker to call the factory again");

        await provider.DisposeAsync();
        var afterDispose = Volatile.Read(ref calls);
        await Task.Delay(TimeSpan.FromSeconds(2.5));
        Assert.InRange(Volatile.Read(ref calls), afterDispose, afterDispose + 1); // at most one try already under way
    }

    [Fact]
    public async Task A_shared_breaker_never_makes_a_caller_wait_while_Redis_is_killed_or_hung_and_shares_again_afterwards()
    {
        var name = $"shared-{Guid.NewGuid():N}";
        await using var first = Container(name, ConnectWithDefaults);
        await using var second = Container(name, ConnectWithDefaults);
        var breakerA = first.GetRequiredService<SharedCircuitBreakers>().Get(name);
        var breakerB = second.GetRequiredService<SharedCircuitBreakers>().Get(name);
        var pipelineA = first.GetRequiredService<ResiliencePipelineProvider<string>>().GetPipeline("payments");
        var pipelineB = second.GetRequiredService<ResiliencePipelineProvider<string>>().GetPipeline("payments");
        await Task.WhenAll(breakerA.Ready, breakerB.Ready);

        foreach (var failure in new[] { Failure.Killed, Failure.Hung })
        {
            await BreakAsync(failure);
            try
            {
                await AssertBreakerBoundedAsync(breakerA, pipelineA);
            }
            finally
            {
                await RepairAsync(failure);
            }

            await AssertSharedAgainAsync(breakerA, pipelineB);
        }
    }

    private Task BreakAsync(Failure failure) => failure == Failure.Killed ? _server.StopAsync() : _server.PauseAsync();

    private Task RepairAsync(Failure failure) => failure == Failure.Killed ? _server.RestartAsync() : _server.ResumeAsync();

    private static async Task AssertBoundedOutageDecisionsAsync(RedisRateLimiter limiter)
    {
        var watch = Stopwatch.StartNew();
        var leases = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => limiter.AcquireAsync().AsTask()));
        Assert.InRange(watch.Elapsed, TimeSpan.Zero, Bound);
        Assert.All(leases, lease => Assert.False(lease.IsAcquired)); // fail closed: the outage policy decided
        Assert.True(limiter.IsInOutage);

        // A blocking AttemptAcquire (BlockOnAttemptAcquire) is held to the same bound.
        watch.Restart();
        await WaitForProbeAsync();
        Assert.False(limiter.AttemptAcquire().IsAcquired);
        Assert.InRange(watch.Elapsed, TimeSpan.Zero, Bound);
    }

    private static async Task AssertCancellationIsHonouredAsync(RedisRateLimiter limiter)
    {
        await WaitForProbeAsync();
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        var watch = Stopwatch.StartNew();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await limiter.AcquireAsync(1, cancel.Token));
        Assert.InRange(watch.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(0.9)); // before the 1 s decision timeout
    }

    // Lets the probe interval (200 ms) pass so that the next call asks Redis again instead of the outage policy.
    private static Task WaitForProbeAsync() => Task.Delay(TimeSpan.FromMilliseconds(300));

    private static async Task AssertSharedLimitingResumesAsync(RedisRateLimiter limiter, int permitLimit)
    {
        await Eventually.TrueAsync(async () =>
        {
            using var probe = await limiter.AcquireAsync(0);
            return !limiter.IsInOutage;
        }, Recovery, "the limiter to reach Redis again");

        // Redis decides again: grants up to the limit, then its own refusal (not the outage policy's).
        var leases = new List<RateLimitLease>();
        RateLimitLease refusal;
        while ((refusal = await limiter.AcquireAsync()).IsAcquired)
        {
            leases.Add(refusal);
        }

        Assert.InRange(leases.Count, 0, permitLimit);
        Assert.True(refusal.TryGetMetadata(MetadataName.ReasonPhrase, out var reason));
        Assert.EndsWith("exceeded.", reason, StringComparison.Ordinal);
        Assert.False(limiter.IsInOutage);

        // A rate limiter counts a given-up call that Redis ran later (docs/resilience.md); the concurrency limiter takes
        // its lease back, so its whole limit is there again.
        if (limiter is RedisConcurrencyLimiter)
        {
            Assert.Equal(permitLimit, leases.Count);
        }

        leases.ForEach(lease => lease.Dispose());
    }

    private static async Task AssertBreakerBoundedAsync(SharedCircuitBreaker breaker, ResiliencePipeline pipeline)
    {
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < 2; i++)
        {
            await Assert.ThrowsAsync<InvalidOperationException>(async () => await pipeline.ExecuteAsync<int>(_ => throw new InvalidOperationException("down")));
        }

        Assert.True(await SharedCircuitBreakerTests.Rejects(pipeline)); // opened locally at once, whatever Redis does
        await breaker.CloseAsync();
        Assert.Equal(1, await pipeline.ExecuteAsync(_ => ValueTask.FromResult(1)));
        await breaker.IsolateAsync();
        Assert.True(await SharedCircuitBreakerTests.Rejects(pipeline));
        await breaker.CloseAsync();
        Assert.InRange(watch.Elapsed, TimeSpan.Zero, Bound * 2); // each Redis wait is at most 1 s

        // The caller's token ends the wait: the breaker's own one-second bound would end it without an exception (it
        // logs and returns), so the exception alone shows the token was honoured, with no timing to assert.
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => breaker.IsolateAsync(cancel.Token));
        await breaker.CloseAsync();
    }

    private static async Task AssertSharedAgainAsync(SharedCircuitBreaker breaker, ResiliencePipeline other)
    {
        await Eventually.TrueAsync(async () =>
        {
            await breaker.IsolateAsync();
            return await SharedCircuitBreakerTests.Rejects(other);
        }, Recovery, "an isolation to reach the other instance again");
        await Eventually.TrueAsync(async () =>
        {
            await breaker.CloseAsync();
            return !await SharedCircuitBreakerTests.Rejects(other);
        }, Recovery, "the close to reach the other instance");
    }

    private static RedisRateLimiter Create(Kind kind, IConnectionMultiplexer connection, int permitLimit)
    {
        var name = $"bound-{kind}-{Guid.NewGuid():N}";
        var probe = TimeSpan.FromMilliseconds(200);
        return kind switch
        {
            Kind.Gcra => new RedisGcraRateLimiter(connection, new RedisGcraRateLimiterOptions
            {
                Name = name, PermitLimit = permitLimit, Window = TimeSpan.FromHours(1), OutagePolicy = OutagePolicy.FailClosed, RecoveryProbeInterval = probe, BlockOnAttemptAcquire = true,
            }),
            Kind.SlidingWindow => new RedisSlidingWindowRateLimiter(connection, new RedisSlidingWindowRateLimiterOptions
            {
                Name = name, PermitLimit = permitLimit, Window = TimeSpan.FromHours(1), OutagePolicy = OutagePolicy.FailClosed, RecoveryProbeInterval = probe, BlockOnAttemptAcquire = true,
            }),
            _ => new RedisConcurrencyLimiter(connection, new RedisConcurrencyLimiterOptions
            {
                Name = name, PermitLimit = permitLimit, LeaseDuration = TimeSpan.FromMinutes(10), OutagePolicy = OutagePolicy.FailClosed, RecoveryProbeInterval = probe, BlockOnAttemptAcquire = true,
            }),
        };
    }

    // A connection as users make it: StackExchange.Redis's defaults, nothing tuned.
    private ConnectionMultiplexer ConnectWithDefaults() => ConnectionMultiplexer.Connect(_server.Endpoint);

    private static ServiceProvider Container(string name, Func<IConnectionMultiplexer> connect)
    {
        var services = new ServiceCollection();
        services.AddScalableResilience()
            .WithRedis(_ => connect())
            .AddRedisGcraRateLimiter(name, o =>
            {
                o.PermitLimit = 1000;
                o.OutagePolicy = OutagePolicy.FailClosed;
                o.RecoveryProbeInterval = TimeSpan.FromMilliseconds(200);
            })
            .AddPipeline("payments", p =>
            {
                p.RateLimiter.Enabled = false;
                p.Retry.Enabled = false;
                p.CircuitBreaker.MinimumThroughput = 2;
                p.CircuitBreaker.FailureRatio = 0.5;
                p.CircuitBreaker.BreakDuration = TimeSpan.FromMinutes(5);
                p.CircuitBreaker.SharedName = name;
            });
        return services.BuildServiceProvider();
    }
}
