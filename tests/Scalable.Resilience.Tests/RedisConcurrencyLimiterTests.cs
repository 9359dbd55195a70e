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
    public async Task A_renewed_lease_holds_its_permit_across_several_lease_lengths_while_an_unrenewed_one_is_taken()
    {
        using var holderConnection = redis.Connect();
        using var otherConnection = redis.Connect();
        var leaseDuration = TimeSpan.FromSeconds(3);
        var options = Options(permits: 2, lease: leaseDuration);
        using var holder = new RedisConcurrencyLimiter(holderConnection, options);
        using var other = new RedisConcurrencyLimiter(otherConnection, options);
        using var renewed = await holder.AcquireAsync();
        using var forgotten = await holder.AcquireAsync();
        Assert.True(renewed.IsAcquired);
        Assert.True(forgotten.IsAcquired);

        // The lease expires on the Redis server's clock, so this test waits in real time: 2.5 lease lengths, renewing one
        // lease every third of a lease. Each round the other instance asks for both permits (it must never get them: the
        // renewed one stays held) and for one (it gets it once the forgotten lease expired; it gives it straight back).
        var freedAfter = (TimeSpan?)null;
        var started = TimeProvider.System.GetTimestamp();
        while (TimeProvider.System.GetElapsedTime(started) < leaseDuration * 2.5)
        {
            await Task.Delay(leaseDuration / 3);
            Assert.True(await holder.RenewAsync(renewed), $"the renewal at {TimeProvider.System.GetElapsedTime(started)}");
            using (var both = await other.AcquireAsync(2))
            {
                Assert.False(both.IsAcquired, $"the other instance took the renewed lease's permit at {TimeProvider.System.GetElapsedTime(started)}");
            }

            using var one = await other.AcquireAsync();
            freedAfter ??= one.IsAcquired ? TimeProvider.System.GetElapsedTime(started) : null;
        }

        // The forgotten lease shows what the renewed one escaped: its permit went to the other instance after about one lease.
        Assert.NotNull(freedAfter);
        Assert.True(freedAfter >= leaseDuration * 0.9, $"the forgotten lease's permit was free after {freedAfter}, before its lease of {leaseDuration} ended");

        renewed.Dispose();
        Assert.False(await holder.RenewAsync(renewed));
        await Eventually.TrueAsync(async () =>
        {
            using var both = await other.AcquireAsync(2);
            return both.IsAcquired;
        }, TimeSpan.FromSeconds(10), "both permits once the renewed lease is released");
    }

    private static RedisConcurrencyLimiterOptions Options(int permits, TimeSpan lease)
        => new() { Name = $"cc-{Guid.NewGuid():N}", PermitLimit = permits, LeaseDuration = lease };
}
