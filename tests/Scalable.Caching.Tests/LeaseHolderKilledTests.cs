using System.Globalization;

namespace Scalable.Caching.Tests;

// DistributedSingleFlightTests simulates the holder's death in-process (its connection disposed, its caller cancelled);
// here the holder is a real process killed with SIGKILL mid-factory, so nothing of it runs after the kill.
public sealed class LeaseHolderKilledTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    [Fact]
    public async Task When_the_lease_holder_process_is_killed_mid_factory_another_instance_computes_once_after_the_lease_expires()
    {
        var lease = TimeSpan.FromSeconds(1);
        var prefix = CacheInstance.NewPrefix();
        var key = CacheInstance.NewKey();
        using var holder = await TestHostProcess.StartAsync(
            "in-factory", "lease-holder", redis.Server.ConnectionString, prefix, key, ((int)lease.TotalMilliseconds).ToString(CultureInfo.InvariantCulture));
        using var survivor = CacheInstance.WithRedis(redis.Connect(), o =>
        {
            o.LeaseDuration = lease;
            o.LeaseWaitTimeout = TimeSpan.FromMinutes(2);
        }, prefix);
        var survivorRuns = 0;

        var survivorCall = survivor.Cache.GetOrCreateAsync(key, _ =>
        {
            Interlocked.Increment(ref survivorRuns);
            return ValueTask.FromResult("from the survivor");
        }).AsTask();

        // While the holder lives it renews its lease: three lease durations pass and the survivor only waits.
        await Task.Delay(lease * 3);
        Assert.Equal(0, Volatile.Read(ref survivorRuns));
        Assert.False(survivorCall.IsCompleted, $"the survivor must wait for the living holder; holder output:\n{holder.Output}");

        holder.Kill();

        var finished = await Task.WhenAny(survivorCall, Task.Delay(TimeSpan.FromSeconds(30)));
        Assert.True(finished == survivorCall, $"the survivor should compute once the dead holder's lease expires; survivor log:\n{survivor.Log.Text}");
        Assert.Equal("from the survivor", await survivorCall);
        Assert.Equal(1, survivorRuns);
        Assert.Equal("from the survivor", await survivor.Cache.GetOrCreateAsync(key, _ =>
        {
            Interlocked.Increment(ref survivorRuns);
            return ValueTask.FromResult("computed again");
        }));
        Assert.Equal(1, survivorRuns);
    }
}
