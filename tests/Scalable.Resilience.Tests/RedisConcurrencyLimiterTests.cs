using System.Threading.RateLimiting;
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

    [Fact]
    public async Task A_rejection_hints_a_short_retry_not_the_earliest_lease_expiry()
    {
        using var connection = redis.Connect();
        var options = Options(permits: 1, lease: TimeSpan.FromMinutes(1));
        using var limiter = new RedisConcurrencyLimiter(connection, options);
        var configuredOptions = Options(permits: 1, lease: TimeSpan.FromMinutes(1));
        configuredOptions.RetryAfter = TimeSpan.FromMilliseconds(250);
        using var configured = new RedisConcurrencyLimiter(connection, configuredOptions);
        using var held = await limiter.AcquireAsync();
        using var heldToo = await configured.AcquireAsync();

        using var rejected = await limiter.AcquireAsync();
        using var rejectedToo = await configured.AcquireAsync();

        Assert.False(rejected.IsAcquired);
        Assert.True(rejected.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter));
        Assert.Equal(TimeSpan.FromMilliseconds(100), retryAfter);
        Assert.True(rejectedToo.TryGetMetadata(MetadataName.RetryAfter, out var configuredRetryAfter));
        Assert.Equal(TimeSpan.FromMilliseconds(250), configuredRetryAfter);
        Assert.Throws<ArgumentOutOfRangeException>(() => new RedisConcurrencyLimiter(connection, new RedisConcurrencyLimiterOptions { RetryAfter = TimeSpan.Zero }));
    }

    [Fact]
    public async Task Acquisitions_given_up_while_Redis_hung_leave_no_lease_once_it_resumes()
    {
        await using var server = await RedisServer.StartLocalAsync();
        using var connection = server.Connect();
        var options = Options(permits: 2, lease: TimeSpan.FromMinutes(10));
        options.RecoveryProbeInterval = TimeSpan.FromMilliseconds(10);
        options.OutagePolicy = OutagePolicy.FailClosed;
        using var limiter = new RedisConcurrencyLimiter(connection, options);
        using var held = await limiter.AcquireAsync();
        Assert.True(held.IsAcquired);

        await server.PauseAsync();
        try
        {
            Assert.False((await limiter.AcquireAsync()).IsAcquired); // timed out: the outage policy decided
            await Task.Delay(TimeSpan.FromMilliseconds(50));
            using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await limiter.AcquireAsync(1, cancel.Token));
        }
        finally
        {
            await server.ResumeAsync();
        }

        // The given-up scripts run now, in order on this connection, and so does what takes their leases back; a ping on
        // the same connection comes after all of them.
        var database = connection.GetDatabase();
        await database.PingAsync();
        Assert.Equal(1, await database.SortedSetLengthAsync(limiter.Key));
    }

    private static RedisConcurrencyLimiterOptions Options(int permits, TimeSpan lease)
        => new() { Name = $"cc-{Guid.NewGuid():N}", PermitLimit = permits, LeaseDuration = lease };
}
