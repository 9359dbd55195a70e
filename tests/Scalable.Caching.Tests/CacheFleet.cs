using StackExchange.Redis;

namespace Scalable.Caching.Tests;

// Several instances of one service: separate providers and connections, one shared Redis namespace.
internal sealed class CacheFleet : IDisposable
{
    private readonly CacheInstance[] _instances;

    public CacheFleet(Func<ConnectionMultiplexer> connect, int size, Action<ScalableCachingOptions>? configure = null)
    {
        var prefix = CacheInstance.NewPrefix();
        _instances = Enumerable.Range(0, size).Select(_ => CacheInstance.WithRedis(connect(), configure, prefix)).ToArray();
    }

    // A (deaf to notices) holds "k" = "v1" in L1 while L2 holds "v2", written by B: a read that skips L1 tells them apart.
    public static async Task<(CacheInstance A, CacheInstance B)> L1BehindL2Async(Func<ConnectionMultiplexer> connect)
    {
        var prefix = CacheInstance.NewPrefix();
        var a = CacheInstance.WithRedis(connect(), o => o.EnableBackplane = false, prefix);
        var b = CacheInstance.WithRedis(connect(), prefix: prefix);
        await a.Cache.GetOrCreateAsync("k", _ => ValueTask.FromResult("v1"));
        await b.Cache.SetAsync("k", "v2");
        Assert.Equal("v1", await a.Cache.GetOrCreateAsync("k", _ => ValueTask.FromResult("factory")));
        return (a, b);
    }

    public CacheInstance this[int index] => _instances[index];

    public int Size => _instances.Length;

    public void Dispose() => Array.ForEach(_instances, i => i.Dispose());
}
