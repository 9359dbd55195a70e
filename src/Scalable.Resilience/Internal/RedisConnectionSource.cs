using StackExchange.Redis;

namespace Scalable.Resilience.Internal;

// The connection given to UseRedis, resolved once and shared by the registered Redis limiters and shared breakers.
internal sealed class RedisConnectionSource(Func<IConnectionMultiplexer> connect)
{
    private readonly Lazy<IConnectionMultiplexer> _connection = new(connect);

    public IConnectionMultiplexer Connection => _connection.Value;
}
