using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace Scalable.Caching.Tests;

// #17: an instance that stops while its factory runs releases the fleet-wide lease it holds, so another instance computes at
// once instead of waiting for the lease of a holder that is gone. The lease here lasts five minutes: only a release ends it.
public sealed class LeaseReleaseOnStopTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(5);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Disposing_the_cache_while_its_factory_runs_releases_its_lease_and_another_instance_computes_at_once(bool cacheOwnsConnection)
    {
        var prefix = CacheInstance.NewPrefix();
        var key = CacheInstance.NewKey();
        RedisKey leaseKey = $"{prefix}l:{key}";
        using var watcher = redis.Connect();
        var a = cacheOwnsConnection
            ? CacheInstance.Build(null, o => o.LeaseDuration = Lease, null, prefix, s => s.AddScalableCaching().WithRedis(redis.Server.ConnectionString))
            : CacheInstance.WithRedis(redis.Connect(), o => o.LeaseDuration = Lease, prefix);
        var inFactory = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var slow = a.Cache.GetOrCreateAsync(key, async ct =>
        {
            inFactory.TrySetResult();
            await Task.Delay(Timeout.Infinite, ct);
            return "from A";
        }).AsTask();
        await inFactory.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(await watcher.GetDatabase().KeyExistsAsync(leaseKey), "A holds the lease while its factory runs");

        a.Dispose(); // the host stops: its service provider disposes the cache

        Assert.False(await watcher.GetDatabase().KeyExistsAsync(leaseKey), $"A's lease should be released when A is disposed; A's log:\n{a.Log.Text}");
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => slow);

        using var b = CacheInstance.WithRedis(redis.Connect(), o =>
        {
            o.LeaseDuration = Lease;
            o.LeaseWaitTimeout = Lease;
        }, prefix);
        var runs = 0;
        var value = await b.Cache.GetOrCreateAsync(key, _ =>
        {
            Interlocked.Increment(ref runs);
            return ValueTask.FromResult("from B");
        }).AsTask().WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal("from B", value);
        Assert.Equal(1, runs);
    }
}
