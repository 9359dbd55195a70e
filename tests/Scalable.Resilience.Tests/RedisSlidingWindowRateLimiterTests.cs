using System.Threading.RateLimiting;
using Scalable.TestSupport;

namespace Scalable.Resilience.Tests;

public sealed class RedisSlidingWindowRateLimiterTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    [Fact]
    public async Task Two_instances_share_the_window_and_the_excess_is_told_when_to_retry()
    {
        using var first = redis.Connect();
        using var second = redis.Connect();
        var options = new RedisSlidingWindowRateLimiterOptions { Name = $"sw-{Guid.NewGuid():N}", PermitLimit = 6, Window = TimeSpan.FromMinutes(1) };
        using var a = new RedisSlidingWindowRateLimiter(first, options);
        using var b = new RedisSlidingWindowRateLimiter(second, options);

        var granted = 0;
        for (var i = 0; i < 5; i++)
        {
            granted += (await a.AcquireAsync()).IsAcquired ? 1 : 0;
            granted += (await b.AcquireAsync()).IsAcquired ? 1 : 0;
        }

        Assert.Equal(6, granted);
        using var rejected = await b.AcquireAsync();
        Assert.False(rejected.IsAcquired);
        Assert.True(rejected.TryGetMetadata(MetadataName.RetryAfter, out _));
    }

    [Fact]
    public async Task A_zero_permit_request_tells_whether_a_permit_is_available_as_for_GCRA()
    {
        using var connection = redis.Connect();
        using var limiter = new RedisSlidingWindowRateLimiter(connection, new RedisSlidingWindowRateLimiterOptions { Name = $"sw-{Guid.NewGuid():N}", PermitLimit = 2, Window = TimeSpan.FromMinutes(1) });

        using (var available = await limiter.AcquireAsync(0))
        {
            Assert.True(available.IsAcquired);
        }

        using (var both = await limiter.AcquireAsync(2))
        {
            Assert.True(both.IsAcquired);
        }

        // The window is full: a 0-permit request takes nothing and says no permit is available, with when one will be.
        using var full = await limiter.AcquireAsync(0);
        Assert.False(full.IsAcquired);
        Assert.True(full.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter));
        Assert.InRange(retryAfter, TimeSpan.FromMilliseconds(1), TimeSpan.FromMinutes(2));
    }

    [Fact]
    public async Task Retry_after_is_when_the_weighted_window_admits_the_request_again()
    {
        using var connection = redis.Connect();
        var server = connection.GetServer(connection.GetEndPoints()[0]);
        var window = TimeSpan.FromMinutes(1);
        const int limit = 6;

        // The limiter decides on the Redis server's clock, in fixed windows of the server time (time / window) whose
        // previous count is weighted by its overlap: so does this test. A run whose requests straddle a window edge is
        // tried again with a fresh key (one in 60 s / a few ms).
        for (var run = 0; ; run++)
        {
            using var limiter = new RedisSlidingWindowRateLimiter(connection, new() { Name = $"sw-{Guid.NewGuid():N}", PermitLimit = limit, Window = window });
            var before = await server.TimeAsync();
            Assert.True((await limiter.AcquireAsync(limit)).IsAcquired);
            using var rejected = await limiter.AcquireAsync();
            var after = await server.TimeAsync();
            var windowStart = WindowStart(before, window);
            if (windowStart != WindowStart(after, window) && run < 3)
            {
                continue;
            }

            // The six requests weigh 6 * (1 - elapsed share) in the next window: one more fits once that is at most 5,
            // a sixth of a window (10 s) after this window ends, not at its end (where all six still count).
            Assert.False(rejected.IsAcquired);
            Assert.True(rejected.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter));
            var admitsAt = windowStart + window + (window * (1 - ((limit - 1) / (double)limit)));
            var slack = TimeSpan.FromMilliseconds(5);
            Assert.InRange(retryAfter, admitsAt - after - slack, admitsAt - before + slack);
            return;
        }
    }

    [Fact]
    public async Task A_caller_that_waits_its_retry_after_is_admitted()
    {
        using var connection = redis.Connect();
        using var limiter = new RedisSlidingWindowRateLimiter(connection, new() { Name = $"sw-{Guid.NewGuid():N}", PermitLimit = 3, Window = TimeSpan.FromSeconds(2) });
        Assert.True((await limiter.AcquireAsync(3)).IsAcquired);

        using var rejected = await limiter.AcquireAsync();
        Assert.False(rejected.IsAcquired);
        Assert.True(rejected.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter));
        await Task.Delay(retryAfter + TimeSpan.FromMilliseconds(20));

        using var retried = await limiter.AcquireAsync();
        Assert.True(retried.IsAcquired, $"a retry {retryAfter} after the rejection, as told, to be admitted");
    }

    [Fact]
    public async Task A_short_window_admits_again_once_it_slides_past_the_old_requests()
    {
        using var connection = redis.Connect();
        using var limiter = new RedisSlidingWindowRateLimiter(connection, new() { Name = $"sw-{Guid.NewGuid():N}", PermitLimit = 3, Window = TimeSpan.FromSeconds(2) });

        Assert.True((await limiter.AcquireAsync(3)).IsAcquired);
        Assert.False((await limiter.AcquireAsync()).IsAcquired);

        await Eventually.TrueAsync(async () => (await limiter.AcquireAsync()).IsAcquired, TimeSpan.FromSeconds(20), "the window to slide");
    }

    // The start of the limiter's fixed window that holds the given server time.
    private static DateTime WindowStart(DateTime serverTime, TimeSpan window)
        => DateTime.UnixEpoch + (window * Math.Floor((serverTime - DateTime.UnixEpoch) / window));
}
