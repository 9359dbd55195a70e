using Scalable.TestSupport;

namespace Scalable.Resilience.Tests;

public sealed class RedisConcurrencyLimiterTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    [Fact]
    public async Task Released_leases_return_their_permits_to_every_instance()
    {
        using var first = redis.Connect();
        using var second = redis.Connect();
        var options = Options(permits: 2, lease: TimeSpan.FromMinutes(1));
        using var a = new RedisConcurrencyLimiter(first, options);
        using var b = new RedisConcurrencyLimiter(second, options);

        var held = await a.AcquireAsync(2);
        Assert.True(held.IsAcquired);
        Assert.False((await b.AcquireAsync()).IsAcquired);

        held.Dispose();
        await Eventually.TrueAsync(async () =>
        {
            using var lease = await b.AcquireAsync();
            return lease.IsAcquired;
        }, TimeSpan.FromSeconds(10), "the released permits");
    }

    [Fact]
    public async Task A_holder_that_disappears_gets_its_permits_back_after_the_lease_expires()
    {
        var options = Options(permits: 1, lease: TimeSpan.FromSeconds(3));
        using var survivor = redis.Connect();
        using var b = new RedisConcurrencyLimiter(survivor, options);
        using (var crashing = redis.Connect())
        {
            var a = new RedisConcurrencyLimiter(crashing, options);
            Assert.True((await a.AcquireAsync()).IsAcquired);

            // The holder's process "dies": its connection goes away and the lease is never disposed.
        }

        Assert.False((await b.AcquireAsync()).IsAcquired);
        await Eventually.TrueAsync(async () => (await b.AcquireAsync()).IsAcquired, TimeSpan.FromSeconds(15), "the expired lease to free its permit");
    }

    [Fact]
    public async Task Renewing_a_lease_keeps_it_past_its_first_expiry()
    {
        using var connection = redis.Connect();
        var options = Options(permits: 1, lease: TimeSpan.FromSeconds(3));
        using var limiter = new RedisConcurrencyLimiter(connection, options);
        using var lease = await limiter.AcquireAsync();
        Assert.True(lease.IsAcquired);

        for (var i = 0; i < 3; i++)
        {
            await Task.Delay(TimeSpan.FromSeconds(1));
            Assert.True(await limiter.RenewAsync(lease));
        }

        Assert.False((await limiter.AcquireAsync()).IsAcquired);
        lease.Dispose();
        Assert.False(await limiter.RenewAsync(lease));
    }

    private static RedisConcurrencyLimiterOptions Options(int permits, TimeSpan lease)
        => new() { Name = $"cc-{Guid.NewGuid():N}", PermitLimit = permits, LeaseDuration = lease };
}
