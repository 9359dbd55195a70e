using System.Globalization;
using Scalable.TestSupport;

namespace Scalable.Resilience.Tests;

// RedisConcurrencyLimiterTests lets a holder "die" by disposing its connection in-process; here the holder is a real
// process, renewing its permit, killed with SIGKILL: nothing releases the permit, only the lease's expiry frees it.
public sealed class RedisConcurrencyLimiterKilledHolderTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    [Fact]
    public async Task A_holder_process_killed_with_SIGKILL_gives_its_permit_back_after_the_lease_expires()
    {
        var name = $"cc-{Guid.NewGuid():N}";
        var lease = TimeSpan.FromSeconds(2);
        using var holder = await TestHostProcess.StartAsync(
            "acquired", "permit-holder", redis.Server.ConnectionString, name, ((int)lease.TotalMilliseconds).ToString(CultureInfo.InvariantCulture));
        using var connection = redis.Connect();
        using var survivor = new RedisConcurrencyLimiter(connection, new RedisConcurrencyLimiterOptions { Name = name, PermitLimit = 1, LeaseDuration = lease });

        // While the holder lives it renews its permit: past two lease durations the permit is still taken.
        await Task.Delay(lease * 2);
        using (var early = await survivor.AcquireAsync())
        {
            Assert.False(early.IsAcquired, $"the living holder's permit was handed out; holder output:\n{holder.Output}");
        }

        holder.Kill();

        await Eventually.TrueAsync(async () =>
        {
            using var permit = await survivor.AcquireAsync();
            return permit.IsAcquired;
        }, TimeSpan.FromSeconds(15), "the killed holder's permit to come back when its lease expires");
    }
}
