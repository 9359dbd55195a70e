using System.Threading.RateLimiting;
using Microsoft.Extensions.Logging;
using Polly;
using Scalable.TestSupport;
using StackExchange.Redis;

namespace Scalable.Resilience.Tests;

// Each test owns its Redis so it can kill it, and connects with StackExchange.Redis's defaults, as users do; the limiters'
// clocks are fake, so outage decisions are deterministic (RedisFailureBoundTests measures the real waits).
public sealed class RedisOutageTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _clock = new();
    private RedisServer _server = null!;

    public async Task InitializeAsync() => _server = await RedisServer.StartLocalAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Fail_open_grants_everything_while_Redis_is_down_and_never_throws()
    {
        using var connection = Connect();
        using var limiter = new RedisGcraRateLimiter(connection, Options(OutagePolicy.FailOpen), timeProvider: _clock);
        await _server.StopAsync();
        await EnterOutageAsync(limiter);

        for (var i = 0; i < 20; i++)
        {
            Assert.True((await limiter.AcquireAsync()).IsAcquired);
        }

        Assert.True(limiter.AttemptAcquire().IsAcquired);
        Assert.True(limiter.IsInOutage);
    }

    [Fact]
    public async Task Fail_closed_rejects_with_retry_after_while_Redis_is_down_and_a_pipeline_reports_it_as_a_rejection()
    {
        using var connection = Connect();
        using var limiter = new RedisGcraRateLimiter(connection, Options(OutagePolicy.FailClosed), timeProvider: _clock);
        var pipeline = new ResiliencePipelineBuilder().AddRateLimiter(limiter).Build();
        await _server.StopAsync();
        await EnterOutageAsync(limiter);

        using var lease = await limiter.AcquireAsync();
        Assert.False(lease.IsAcquired);
        Assert.True(lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter));
        Assert.Equal(TimeSpan.FromSeconds(1), retryAfter);
        var rejected = await Assert.ThrowsAsync<RateLimiterRejectedException>(async () => await pipeline.ExecuteAsync(_ => ValueTask.CompletedTask));
        Assert.Equal(TimeSpan.FromSeconds(1), rejected.RetryAfter);
    }

    [Fact]
    public async Task A_disposed_connection_is_an_outage_not_an_exception()
    {
        var connection = Connect();
        using var limiter = new RedisConcurrencyLimiter(connection, new RedisConcurrencyLimiterOptions { Name = $"cc-{Guid.NewGuid():N}", OutagePolicy = OutagePolicy.FailOpen }, timeProvider: _clock);
        var held = await limiter.AcquireAsync();
        connection.Dispose();

        using var lease = await limiter.AcquireAsync();
        Assert.True(lease.IsAcquired);
        Assert.True(limiter.AttemptAcquire().IsAcquired);
        Assert.False(await limiter.RenewAsync(held));
        held.Dispose();
    }

    [Fact]
    public async Task Local_fallback_allows_this_instance_its_share_of_the_limit_from_the_permits_Redis_last_reported()
    {
        using var connection = Connect();
        using var limiter = new RedisGcraRateLimiter(connection, QuarterShareOptions(), timeProvider: _clock);
        using (var shared = await limiter.AcquireAsync(20))
        {
            Assert.True(shared.IsAcquired); // Redis reports 20 of the 40 left
        }

        await _server.StopAsync();
        await EnterOutageAsync(limiter);

        var granted = 0;
        for (var i = 0; i < 30; i++)
        {
            granted += (await limiter.AcquireAsync()).IsAcquired ? 1 : 0;
        }

        Assert.Equal(5, granted); // a quarter of the 20 left, not a full local bucket (a quarter of the burst, 10)
        _clock.Advance(TimeSpan.FromSeconds(24)); // a quarter of 100 per 10 minutes refills one permit per 24 s
        Assert.True((await limiter.AcquireAsync()).IsAcquired, "one permit refilled after 24 s");
        Assert.False((await limiter.AcquireAsync()).IsAcquired);
    }

    [Fact]
    public async Task Local_fallback_starts_empty_when_Redis_never_answered()
    {
        using var connection = Connect();
        using var limiter = new RedisGcraRateLimiter(connection, QuarterShareOptions(), timeProvider: _clock);
        await _server.StopAsync();
        await EnterOutageAsync(limiter);

        Assert.False((await limiter.AcquireAsync()).IsAcquired);
        _clock.Advance(TimeSpan.FromSeconds(24));
        Assert.True((await limiter.AcquireAsync()).IsAcquired, "one permit refilled after 24 s");
        Assert.False((await limiter.AcquireAsync()).IsAcquired);
    }

    [Fact]
    public async Task Concurrency_limiter_falls_back_to_a_local_share_and_frees_it_on_release()
    {
        using var connection = Connect();
        using var limiter = new RedisConcurrencyLimiter(connection, new RedisConcurrencyLimiterOptions
        {
            Name = $"cc-{Guid.NewGuid():N}",
            PermitLimit = 8,
            FallbackShare = 0.25,
        }, timeProvider: _clock);
        await _server.StopAsync();
        await EnterOutageAsync(limiter);

        var first = await limiter.AcquireAsync();
        var second = await limiter.AcquireAsync();
        Assert.True(first.IsAcquired && second.IsAcquired);
        Assert.False((await limiter.AcquireAsync()).IsAcquired);

        first.Dispose();
        Assert.True((await limiter.AcquireAsync()).IsAcquired);
    }

    [Fact]
    public async Task Shared_limiting_resumes_by_itself_when_Redis_comes_back()
    {
        using var first = Connect();
        using var second = Connect();
        var options = Options(OutagePolicy.FailOpen);
        options.PermitLimit = 1;
        options.Window = TimeSpan.FromMinutes(1);
        options.BurstLimit = 3;
        using var logs = new RecordingLoggerProvider();
        using var loggerFactory = LoggerFactory.Create(logging => logging.AddProvider(logs));
        using var a = new RedisGcraRateLimiter(first, options, loggerFactory: loggerFactory, timeProvider: _clock);
        using var b = new RedisGcraRateLimiter(second, options, loggerFactory: loggerFactory, timeProvider: _clock);
        await _server.StopAsync();
        await EnterOutageAsync(a);
        Assert.True((await a.AcquireAsync()).IsAcquired);
        Assert.True((await a.AcquireAsync()).IsAcquired);
        Assert.True(a.IsInOutage);
        var outage = Assert.Single(logs.Entries, e => e.EventId == 6001 && e.Message.Contains(options.Name, StringComparison.Ordinal));
        Assert.Equal(LogLevel.Warning, outage.Level);

        await _server.RestartAsync();
        await Eventually.TrueAsync(async () =>
        {
            _clock.Advance(TimeSpan.FromSeconds(1)); // lets the limiter probe Redis again
            using var probeA = await a.AcquireAsync(0);
            using var probeB = await b.AcquireAsync(0);
            return !a.IsInOutage && !b.IsInOutage;
        }, TimeSpan.FromSeconds(30), "both limiters to reach Redis again");

        Assert.Contains(logs.Entries, e => e.EventId == 6002);
        Assert.True((await a.AcquireAsync(3)).IsAcquired);
        using var shared = await b.AcquireAsync();
        Assert.False(shared.IsAcquired);
        Assert.False(b.IsInOutage);
    }

    [Fact]
    public async Task Once_the_probe_is_due_one_caller_probes_a_hung_Redis_and_the_others_decide_at_once()
    {
        using var connection = Connect();
        using var limiter = new RedisGcraRateLimiter(connection, Options(OutagePolicy.FailClosed), timeProvider: _clock);
        await _server.PauseAsync();
        try
        {
            await EnterOutageAsync(limiter);
            _clock.Advance(TimeSpan.FromSeconds(1)); // the next probe is due

            var calls = Enumerable.Range(0, 10).Select(_ => limiter.AcquireAsync().AsTask()).ToArray();

            Assert.Equal(9, calls.Count(call => call.IsCompleted));
            _clock.Advance(TimeSpan.FromSeconds(1)); // the probe gives up at its decision timeout
            var leases = await Task.WhenAll(calls).WaitAsync(TimeSpan.FromSeconds(30));
            Assert.All(leases, lease => Assert.False(lease.IsAcquired));
        }
        finally
        {
            await _server.ResumeAsync();
        }
    }

    [Fact]
    public async Task A_new_partition_decides_by_the_outage_policy_at_once_when_another_partition_found_Redis_down()
    {
        using var connection = Connect();
        using var limiter = RedisRateLimiters.CreateGcra<string>(connection, Options(OutagePolicy.FailClosed), tenant => tenant, timeProvider: _clock);
        await _server.PauseAsync();
        try
        {
            var first = limiter.AcquireAsync("tenant-a").AsTask();
            _clock.Advance(TimeSpan.FromSeconds(1)); // tenant-a's decision gives up waiting for the hung Redis
            using (var lease = await first.WaitAsync(TimeSpan.FromSeconds(30)))
            {
                Assert.False(lease.IsAcquired);
            }

            var other = limiter.AcquireAsync("tenant-b").AsTask();

            Assert.True(other.IsCompleted, "a new partition waited for Redis although another one had found it down");
            Assert.False((await other).IsAcquired);
        }
        finally
        {
            await _server.ResumeAsync();
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_rate_decision_given_up_while_Redis_hung_spends_its_permit_when_Redis_runs_it_later(bool slidingWindow)
    {
        using var connection = Connect();
        var name = $"given-up-{Guid.NewGuid():N}";
        using RedisRateLimiter limiter = slidingWindow
            ? new RedisSlidingWindowRateLimiter(connection, new RedisSlidingWindowRateLimiterOptions { Name = name, PermitLimit = 3, Window = TimeSpan.FromMinutes(10), OutagePolicy = OutagePolicy.FailClosed }, timeProvider: _clock)
            : new RedisGcraRateLimiter(connection, new RedisGcraRateLimiterOptions { Name = name, PermitLimit = 3, Window = TimeSpan.FromMinutes(10), OutagePolicy = OutagePolicy.FailClosed }, timeProvider: _clock);
        (await limiter.AcquireAsync(0)).Dispose(); // Redis knows the script (a late EVALSHA of an unknown one is never resent)
        await _server.PauseAsync();
        try
        {
            var givenUp = limiter.AcquireAsync().AsTask();
            _clock.Advance(TimeSpan.FromSeconds(1)); // the decision timeout: the caller is answered by the outage policy
            Assert.False((await givenUp.WaitAsync(TimeSpan.FromSeconds(30))).IsAcquired);
        }
        finally
        {
            await _server.ResumeAsync();
        }

        // The script was on its way to Redis and cannot be withdrawn; it runs when Redis resumes, before anything sent later
        // on this connection. It cannot be taken back either: nothing tells apart a late grant from a refusal without
        // trusting a client clock, which the shared limits never do.
        await connection.GetDatabase().PingAsync();
        _clock.Advance(TimeSpan.FromSeconds(1)); // the next probe is due
        var granted = 0;
        while ((await limiter.AcquireAsync()).IsAcquired)
        {
            granted++;
        }

        Assert.False(limiter.IsInOutage);
        Assert.Equal(2, granted);
    }

    // The first call after the kill may wait for Redis until the decision timeout (1 s), which runs on the fake clock: the
    // call starts its timer before it returns, so moving the clock once by exactly that much ends the wait, and the clock
    // then stands still, well before the next probe.
    private async Task EnterOutageAsync(RedisRateLimiter limiter)
    {
        var pending = limiter.AcquireAsync(0).AsTask();
        _clock.Advance(TimeSpan.FromSeconds(1));
        using var probe = await pending.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(limiter.IsInOutage, "the limiter should be in outage after Redis was killed");
    }

    // 100 per 10 minutes with a burst of 40, a quarter of it locally (25 per 10 minutes, burst 10), probing once an hour.
    private RedisGcraRateLimiterOptions QuarterShareOptions()
    {
        var options = Options(OutagePolicy.LocalFallback);
        options.PermitLimit = 100;
        options.Window = TimeSpan.FromMinutes(10);
        options.BurstLimit = 40;
        options.FallbackShare = 0.25;
        options.RecoveryProbeInterval = TimeSpan.FromHours(1);
        return options;
    }

    // A connection as users make it: StackExchange.Redis's defaults, nothing tuned.
    private ConnectionMultiplexer Connect() => ConnectionMultiplexer.Connect(_server.Endpoint);

    private RedisGcraRateLimiterOptions Options(OutagePolicy policy) => new()
    {
        Name = $"outage-{Guid.NewGuid():N}",
        PermitLimit = 10,
        Window = TimeSpan.FromSeconds(1),
        OutagePolicy = policy,
        RecoveryProbeInterval = TimeSpan.FromSeconds(1),
    };
}
