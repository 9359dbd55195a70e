using System.Threading.RateLimiting;
using Scalable.TestSupport;
using StackExchange.Redis;

namespace Scalable.Resilience.Tests;

// The saturation tests measure what a shared limit admits in 5 s of wall time, so they run alone in this assembly.
[Collection(SaturationCollection.Name)]
public sealed class RedisGcraRateLimiterTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    private const int Limit = 100;
    private const int Burst = 20;
    private static readonly TimeSpan Duration = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task Four_instances_on_separate_connections_share_one_limit_under_saturation()
    {
        var (admitted, attempts) = await SaturateAsync(Enumerable.Repeat(TimeProvider.System, 4).ToArray());

        Assert.True(attempts > 2 * Limit * Duration.TotalSeconds, $"only {attempts} attempts: the limiters were not saturated");

        Assert.InRange(admitted, (int)(0.98 * Limit * Duration.TotalSeconds), (Limit * Duration.TotalSeconds) + Burst);
    }

    [Fact]
    public async Task Instances_with_clocks_hours_apart_still_share_one_limit_because_the_server_clock_decides()
    {
        TimeProvider[] clocks =
        [
            new SkewedTimeProvider(TimeSpan.FromHours(-6)),
            new SkewedTimeProvider(TimeSpan.Zero),
            new SkewedTimeProvider(TimeSpan.FromHours(3)),
            new SkewedTimeProvider(TimeSpan.FromDays(2)),
        ];

        var (admitted, attempts) = await SaturateAsync(clocks);

        Assert.True(attempts > 2 * Limit * Duration.TotalSeconds, $"only {attempts} attempts: the limiters were not saturated");

        Assert.InRange(admitted, (int)(0.98 * Limit * Duration.TotalSeconds), (Limit * Duration.TotalSeconds) + Burst);
    }

    [Fact]
    public async Task A_full_bucket_grants_the_burst_then_rejects_with_retry_after()
    {
        using var connection = redis.Connect();
        using var limiter = new RedisGcraRateLimiter(connection, Options(permitLimit: 1, window: TimeSpan.FromMinutes(1), burst: 5));

        for (var i = 0; i < 5; i++)
        {
            using var granted = await limiter.AcquireAsync();
            Assert.True(granted.IsAcquired);
        }

        using var rejected = await limiter.AcquireAsync();
        Assert.False(rejected.IsAcquired);
        Assert.True(rejected.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter));
        Assert.InRange(retryAfter, TimeSpan.FromSeconds(50), TimeSpan.FromSeconds(60));
        Assert.Equal(5, limiter.GetStatistics()!.TotalSuccessfulLeases);
    }

    [Fact]
    public async Task A_limit_finer_than_a_microsecond_per_permit_keeps_its_rate()
    {
        // 600,000 per second is 1.67 µs per permit: rounded to whole microseconds it would refill a full bucket in 0.6 s.
        using var connection = redis.Connect();
        using var limiter = new RedisGcraRateLimiter(connection, Options(permitLimit: 600_000, window: TimeSpan.FromSeconds(1), burst: 600_000));

        Assert.True((await limiter.AcquireAsync(600_000)).IsAcquired);
        using var rejected = await limiter.AcquireAsync(600_000);

        Assert.False(rejected.IsAcquired);
        Assert.True(rejected.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter));
        Assert.InRange(retryAfter, TimeSpan.FromSeconds(0.75), TimeSpan.FromSeconds(1)); // the slack is time between the two calls
    }

    [Fact]
    public async Task A_zero_permit_request_tells_whether_a_permit_is_available_as_the_runtime_token_bucket_does()
    {
        using var connection = redis.Connect();
        using var limiter = new RedisGcraRateLimiter(connection, Options(permitLimit: 1, window: TimeSpan.FromMinutes(1), burst: 2));
        using var runtime = new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = 2,
            TokensPerPeriod = 1,
            ReplenishmentPeriod = TimeSpan.FromMinutes(1),
            AutoReplenishment = false,
            QueueLimit = 0,
        });

        foreach (var permits in new[] { 0, 0, 2, 0 })
        {
            // The runtime's AcquireAsync(0) queues until a permit is available; without a queue, its answer is AttemptAcquire's.
            using var expected = runtime.AttemptAcquire(permits);
            using var actual = await limiter.AcquireAsync(permits);
            Assert.Equal(expected.IsAcquired, actual.IsAcquired);
        }

        using var empty = await limiter.AcquireAsync(0);
        Assert.False(empty.IsAcquired);
        Assert.True(empty.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter));
        Assert.InRange(retryAfter, TimeSpan.FromSeconds(50), TimeSpan.FromSeconds(60));
    }

    [Fact]
    public void The_local_fallback_answers_a_zero_permit_request_the_same_way()
    {
        var clock = new FakeTimeProvider();
        var local = new Internal.LocalGcra(TimeSpan.FromSeconds(1), burst: 1, clock);

        Assert.Null(local.TryAcquire(0, out var available));
        Assert.True(available);
        Assert.Null(local.TryAcquire(1, out var taken));
        Assert.True(taken);
        Assert.Equal(TimeSpan.FromSeconds(1), local.TryAcquire(0, out var empty));
        Assert.False(empty);

        clock.Advance(TimeSpan.FromSeconds(1));
        local.TryAcquire(0, out var refilled);
        Assert.True(refilled);
    }

    [Fact]
    public async Task AttemptAcquire_defers_to_AcquireAsync_without_blocking_unless_blocking_is_chosen()
    {
        using var connection = redis.Connect();
        using var deferring = new RedisGcraRateLimiter(connection, Options(permitLimit: 1, window: TimeSpan.FromMinutes(1), burst: 2));
        var blockingOptions = Options(permitLimit: 1, window: TimeSpan.FromMinutes(1), burst: 2);
        blockingOptions.BlockOnAttemptAcquire = true;
        using var blocking = new RedisGcraRateLimiter(connection, blockingOptions);

        using (var deferred = deferring.AttemptAcquire())
        {
            Assert.False(deferred.IsAcquired);
            Assert.True(deferred.TryGetMetadata(MetadataName.ReasonPhrase, out var reason));
            Assert.Contains("AcquireAsync", reason, StringComparison.Ordinal);
        }

        Assert.True((await deferring.AcquireAsync(2)).IsAcquired); // the deferred answer took no permit

        Assert.True(blocking.AttemptAcquire().IsAcquired);
        Assert.True(blocking.AttemptAcquire().IsAcquired);
        using var rejected = blocking.AttemptAcquire();
        Assert.False(rejected.IsAcquired);
        Assert.True(rejected.TryGetMetadata(MetadataName.RetryAfter, out _));
    }

    [Fact]
    public async Task Partitions_have_their_own_hash_tagged_keys_and_limits()
    {
        using var connection = redis.Connect();
        var options = Options(permitLimit: 1, window: TimeSpan.FromMinutes(1), burst: 2);
        using var limiter = RedisRateLimiters.CreateGcra<string>(connection, options, user => user);

        Assert.True((await limiter.AcquireAsync("alice", 2)).IsAcquired);
        Assert.False((await limiter.AcquireAsync("alice")).IsAcquired);
        Assert.True((await limiter.AcquireAsync("bob")).IsAcquired);

        Assert.True(await connection.GetDatabase().KeyExistsAsync($"scalable:rl:gcra:{options.Name}:{{alice}}"));
        Assert.Throws<ArgumentException>(() => limiter.AttemptAcquire(null!));
    }

    [Fact]
    public async Task Decisions_survive_a_flushed_script_cache()
    {
        using var admin = redis.Server.Connect("allowAdmin=true");
        using var limiter = new RedisGcraRateLimiter(admin, Options(permitLimit: 1, window: TimeSpan.FromMinutes(1), burst: 2));
        Assert.True((await limiter.AcquireAsync()).IsAcquired);

        await admin.GetServer(redis.Server.Endpoint).ScriptFlushAsync();

        Assert.True((await limiter.AcquireAsync()).IsAcquired);
        Assert.False((await limiter.AcquireAsync()).IsAcquired);
        Assert.False(limiter.IsInOutage);
    }

    [Fact]
    public void Bad_settings_and_permit_counts_are_refused_naming_them()
    {
        using var connection = redis.Connect();

        var window = Assert.Throws<ArgumentOutOfRangeException>(() => new RedisGcraRateLimiter(connection, new RedisGcraRateLimiterOptions { Window = TimeSpan.Zero }));
        Assert.Equal("Window", window.ParamName);
        var permits = Assert.Throws<ArgumentOutOfRangeException>(() => new RedisGcraRateLimiter(connection, new RedisGcraRateLimiterOptions { PermitLimit = 0 }));
        Assert.Equal("PermitLimit", permits.ParamName);
        var share = Assert.Throws<ArgumentOutOfRangeException>(() => new RedisGcraRateLimiter(connection, new RedisGcraRateLimiterOptions { FallbackShare = 0 }));
        Assert.Equal("FallbackShare", share.ParamName);
        Assert.Throws<ArgumentNullException>(() => new RedisGcraRateLimiter(connection, new RedisGcraRateLimiterOptions(), null!));
        var braces = Assert.Throws<ArgumentException>(() => new RedisGcraRateLimiter(connection, new RedisGcraRateLimiterOptions { Name = "api{v2}" }));
        Assert.Equal("Name", braces.ParamName);

        using var limiter = new RedisGcraRateLimiter(connection, Options(permitLimit: 10, window: TimeSpan.FromSeconds(1), burst: 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => limiter.AttemptAcquire(4));
    }

    private async Task<(int Admitted, int Attempts)> SaturateAsync(TimeProvider[] clocks)
    {
        var name = $"saturate-{Guid.NewGuid():N}";
        var connections = clocks.Select(_ => redis.Connect()).ToArray();
        try
        {
            var limiters = connections.Select((connection, i) => (RateLimiter)new RedisGcraRateLimiter(connection, new RedisGcraRateLimiterOptions
            {
                Name = name,
                PermitLimit = Limit,
                Window = TimeSpan.FromSeconds(1),
                BurstLimit = Burst,
            }, timeProvider: clocks[i])).ToArray();
            return await Saturation.RunAsync(limiters, Duration);
        }
        finally
        {
            foreach (var connection in connections)
            {
                connection.Dispose();
            }
        }
    }

    private static RedisGcraRateLimiterOptions Options(int permitLimit, TimeSpan window, int burst) => new()
    {
        Name = $"gcra-{Guid.NewGuid():N}",
        PermitLimit = permitLimit,
        Window = window,
        BurstLimit = burst,
    };
}
