using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Scalable.Caching.Tests;

// A set or removal that lands while L2 is being read wins over what that read returned; but the read must then be made
// again, not taken for a miss: on a miss the instance takes the fleet-wide lease and runs the factory, although L2 holds
// the newest value. On Redis Cluster under load this ran a factory twice in one stampede (the holder's "set" notice
// reached a waiter in the middle of its L2 read, right after the holder released the lease).
public sealed class L2ReadDuringChangeTests
{
    [Fact]
    public async Task A_set_landing_while_l2_is_read_makes_the_read_go_again_instead_of_running_the_factory()
    {
        var shared = new DistributedCacheWithHook(new MemoryDistributedCache(Options.Create(new MemoryDistributedCacheOptions())));
        using var a = CacheInstance.Build(null, null, null, null, s => s.AddSingleton<IDistributedCache>(shared).AddScalableCaching().WithDistributedCache());
        using var b = CacheInstance.Build(null, null, null, null, s => s.AddSingleton<IDistributedCache>(shared).AddScalableCaching().WithDistributedCache());
        await b.Cache.SetAsync("k", "first");

        // The key is set again in the middle of A's L2 read, after the bytes were read.
        shared.AfterGet = () => a.Cache.SetAsync("k", "second").AsTask();
        var runs = 0;
        var value = await a.Cache.GetOrCreateAsync("k", _ =>
        {
            Interlocked.Increment(ref runs);
            return ValueTask.FromResult("computed");
        });

        Assert.Equal(0, runs);
        Assert.Equal("second", value);
    }

    // Runs AfterGet once, after a read of the inner cache and before its bytes are returned.
    private sealed class DistributedCacheWithHook(IDistributedCache inner) : IDistributedCache
    {
        private int _hookTaken;

        public Func<Task>? AfterGet { get; set; }

        public byte[]? Get(string key) => inner.Get(key);

        public async Task<byte[]?> GetAsync(string key, CancellationToken token = default)
        {
            var bytes = await inner.GetAsync(key, token);
            if (AfterGet is { } hook && Interlocked.Exchange(ref _hookTaken, 1) == 0)
            {
                await hook();
            }

            return bytes;
        }

        public void Refresh(string key) => inner.Refresh(key);

        public Task RefreshAsync(string key, CancellationToken token = default) => inner.RefreshAsync(key, token);

        public void Remove(string key) => inner.Remove(key);

        public Task RemoveAsync(string key, CancellationToken token = default) => inner.RemoveAsync(key, token);

        public void Set(string key, byte[] value, DistributedCacheEntryOptions options) => inner.Set(key, value, options);

        public Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default) => inner.SetAsync(key, value, options, token);
    }
}
