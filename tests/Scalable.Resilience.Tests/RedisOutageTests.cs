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
        using var limiter = new RedisGcraRateLimiter(connection, Options(OutagePolicy.FailOpen));
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
        using var limiter = new RedisGcraRateLimiter(connection, Options(OutagePolicy.FailClosed));
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
        using var limiter = new RedisConcurrencyLimiter(connection, new RedisConcurrencyLimiterOptions { Name = $"cc-{Guid.NewGuid():N}", OutagePolicy = OutagePolicy.FailOpen, TimeProvider = _clock });
        var held = await limiter.AcquireAsync();
        connection.Dispose();

        using var lease = await limiter.AcquireAsync();
        Assert.True(lease.IsAcquired);
        Assert.True(limiter.AttemptAcquire().IsAcquired);
        Assert.False(await limiter.RenewAsync(held));
        held.Dispose();
    }

    [Fact]
    public async Task Local_fallback_allows_this_instance_its_share_of_the_limit()
    {
        using var connection = Connect();
        var options = Options(OutagePolicy.LocalFallback);
        options.PermitLimit = 100;
        options.BurstLimit = 40;
        options.FallbackShare = 0.25;
        using var limiter = new RedisGcraRateLimiter(connection, options);
        await _server.StopAsync();
        await EnterOutageAsync(limiter);

        var granted = 0;
        for (var i = 0; i < 30; i++)
        {
            granted += (await limiter.AcquireAsync()).IsAcquired ? 1 : 0;
        }

        Assert.Equal(10, granted); // a quarter of the burst, on a clock that does not move

        _clock.Advance(TimeSpan.FromMilliseconds(40)); // a quarter of 100/s refills one permit per 40 ms
        Assert.True((await limiter.AcquireAsync()).IsAcquired, "one permit refilled after 40 ms");
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
            TimeProvider = _clock,
        });
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
        options.LoggerFactory = loggerFactory;
        using var a = new RedisGcraRateLimiter(first, options);
        using var b = new RedisGcraRateLimiter(second, options);
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

    // A connection as users make it: StackExchange.Redis's defaults, nothing tuned.
    private ConnectionMultiplexer Connect() => ConnectionMultiplexer.Connect(_server.Endpoint);

    private RedisGcraRateLimiterOptions Options(OutagePolicy policy) => new()
    {
        Name = $"outage-{Guid.NewGuid():N}",
        PermitLimit = 10,
        Window = TimeSpan.FromSeconds(1),
        OutagePolicy = policy,
        RecoveryProbeInterval = TimeSpan.FromSeconds(1),
        TimeProvider = _clock,
    };
}
