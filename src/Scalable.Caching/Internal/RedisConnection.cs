using StackExchange.Redis;

namespace Scalable.Caching.Internal;

// The Redis connection the cache uses: one from DI (not owned) or one it opened from a connection string (owned).
internal sealed class RedisConnection(IConnectionMultiplexer multiplexer, bool owned) : IDisposable
{
    public IConnectionMultiplexer Multiplexer { get; } = multiplexer;

    public IDatabase Database { get; } = multiplexer.GetDatabase();

    public ISubscriber Subscriber { get; } = multiplexer.GetSubscriber();

    public void Dispose()
    {
        // Through IDisposable: 1.x declares Dispose on IConnectionMultiplexer itself, 2.x inherits it, so a call bound
        // to IConnectionMultiplexer.Dispose would not resolve against 2.x.
        if (owned && Multiplexer is IDisposable disposable)
        {
            disposable.Dispose();
        }
    }
}
