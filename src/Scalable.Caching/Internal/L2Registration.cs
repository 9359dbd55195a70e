using StackExchange.Redis;

namespace Scalable.Caching.Internal;

// What the builder chose as L2: a Redis connection (from DI, a factory, or a connection string) or IDistributedCache.
internal sealed class L2Registration
{
    public Func<IServiceProvider, IConnectionMultiplexer>? Redis { get; init; }

    public bool OwnsRedis { get; init; }

    public bool UseDistributedCache { get; init; }
}
