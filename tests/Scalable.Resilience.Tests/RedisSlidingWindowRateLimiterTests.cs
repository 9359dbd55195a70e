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
        Assert.True(rejected.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter));
        Assert.InRange(retryAfter, TimeSpan.FromMilliseconds(1), TimeSpan.FromMinutes(2));
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
}
