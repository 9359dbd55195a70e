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

    public CacheInstance this[int index] => _instances[index];

    public int Size => _instances.Length;

    public void Dispose() => Array.ForEach(_instances, i => i.Dispose());
}
