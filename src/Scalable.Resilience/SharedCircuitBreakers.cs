using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Scalable.Resilience.Internal;

namespace Scalable.Resilience;

/// <summary>The shared breakers of one application instance, one per name, on the Redis connection given to WithRedis; resolve it to isolate or close a breaker everywhere.</summary>
public sealed class SharedCircuitBreakers : IAsyncDisposable, IDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<SharedCircuitBreaker>> _breakers = new(StringComparer.Ordinal);
    private readonly RedisConnectionSource _redis;
    private readonly TimeProvider _timeProvider;
    private readonly ILoggerFactory? _loggerFactory;
    private readonly ResilienceMetrics _metrics;

    internal SharedCircuitBreakers(RedisConnectionSource redis, TimeProvider timeProvider, ILoggerFactory? loggerFactory, ResilienceMetrics metrics)
    {
        _metrics = metrics;
        _redis = redis;
        _timeProvider = timeProvider;
        _loggerFactory = loggerFactory;
    }

    /// <summary>Gets the shared breaker of the given name, creating it on first use; it subscribes in the background once Redis is connected, and never waits for Redis here.</summary>
    /// <param name="name">The breaker name, as in <see cref="StandardCircuitBreakerOptions.SharedName"/>.</param>
    /// <returns>The breaker.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> is null or empty.</exception>
    public SharedCircuitBreaker Get(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        return _breakers.GetOrAdd(name, key => new Lazy<SharedCircuitBreaker>(
            () => new SharedCircuitBreaker(_redis, key, _timeProvider, _loggerFactory?.CreateLogger<SharedCircuitBreaker>(), "scalable:cb:", _metrics, ownsMetrics: false))).Value;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var breaker in _breakers.Values.Where(b => b.IsValueCreated))
        {
            breaker.Value.Dispose();
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        foreach (var breaker in _breakers.Values.Where(b => b.IsValueCreated))
        {
            await breaker.Value.DisposeAsync().ConfigureAwait(false);
        }
    }
}
