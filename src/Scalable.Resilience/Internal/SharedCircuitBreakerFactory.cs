using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Scalable.Resilience.Internal;

// Registered by UseRedis: lets the standard preset create shared breakers on the configured connection.
internal sealed class SharedCircuitBreakerFactory(Func<IConnectionMultiplexer> redis, TimeProvider timeProvider, ILoggerFactory? loggerFactory)
{
    public SharedCircuitBreaker Create(string name)
        => new(redis(), name, timeProvider, loggerFactory?.CreateLogger<SharedCircuitBreaker>());
}
