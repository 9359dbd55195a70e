using System.Diagnostics.Metrics;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Logging;
using Scalable.Resilience.Internal;
using StackExchange.Redis;

namespace Scalable.Resilience;

/// <summary>Creates partitioned Redis limiters (one Redis key per partition), for ASP.NET Core's rate-limiting middleware or the Polly strategy.</summary>
public static class RedisRateLimiters
{
    /// <summary>Creates a partitioned GCRA (token bucket) limiter.</summary>
    /// <typeparam name="TResource">The resource type, for example HttpContext.</typeparam>
    /// <param name="redis">The Redis connection.</param>
    /// <param name="options">The limit per partition and the outage settings.</param>
    /// <param name="partitionKey">Returns the partition of a resource; must not return null.</param>
    /// <param name="timeProvider">The clock for the decision timeout, outage probing and the local fallback (default <see cref="TimeProvider.System"/>).</param>
    /// <param name="loggerFactory">The logger factory for outage and recovery logs (default none).</param>
    /// <param name="meterFactory">The factory of the Scalable.Resilience meter (default one meter for all the partitions).</param>
    /// <returns>The partitioned limiter.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range; the message names it.</exception>
    public static PartitionedRateLimiter<TResource> CreateGcra<TResource>(IConnectionMultiplexer redis, RedisGcraRateLimiterOptions options, Func<TResource, string> partitionKey, TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null, IMeterFactory? meterFactory = null)
    {
        Check(redis, options, partitionKey);
        var source = new RedisConnectionSource(redis);
        var services = Services(timeProvider, loggerFactory, meterFactory);
        return Partitioned(partitionKey, key => new RedisGcraRateLimiter(source, options, key, services));
    }

    /// <summary>Creates a partitioned sliding-window limiter.</summary>
    /// <typeparam name="TResource">The resource type, for example HttpContext.</typeparam>
    /// <param name="redis">The Redis connection.</param>
    /// <param name="options">The limit per partition and the outage settings.</param>
    /// <param name="partitionKey">Returns the partition of a resource; must not return null.</param>
    /// <param name="timeProvider">The clock for the decision timeout, outage probing and the local fallback (default <see cref="TimeProvider.System"/>).</param>
    /// <param name="loggerFactory">The logger factory for outage and recovery logs (default none).</param>
    /// <param name="meterFactory">The factory of the Scalable.Resilience meter (default one meter for all the partitions).</param>
    /// <returns>The partitioned limiter.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range; the message names it.</exception>
    public static PartitionedRateLimiter<TResource> CreateSlidingWindow<TResource>(IConnectionMultiplexer redis, RedisSlidingWindowRateLimiterOptions options, Func<TResource, string> partitionKey, TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null, IMeterFactory? meterFactory = null)
    {
        Check(redis, options, partitionKey);
        var source = new RedisConnectionSource(redis);
        var services = Services(timeProvider, loggerFactory, meterFactory);
        return Partitioned(partitionKey, key => new RedisSlidingWindowRateLimiter(source, options, key, services));
    }

    /// <summary>Creates a partitioned concurrency limiter with expiring leases.</summary>
    /// <typeparam name="TResource">The resource type, for example HttpContext.</typeparam>
    /// <param name="redis">The Redis connection.</param>
    /// <param name="options">The limit per partition, the lease duration and the outage settings.</param>
    /// <param name="partitionKey">Returns the partition of a resource; must not return null.</param>
    /// <param name="timeProvider">The clock for the decision timeout, outage probing and the local fallback (default <see cref="TimeProvider.System"/>).</param>
    /// <param name="loggerFactory">The logger factory for outage and recovery logs (default none).</param>
    /// <param name="meterFactory">The factory of the Scalable.Resilience meter (default one meter for all the partitions).</param>
    /// <returns>The partitioned limiter.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range; the message names it.</exception>
    public static PartitionedRateLimiter<TResource> CreateConcurrency<TResource>(IConnectionMultiplexer redis, RedisConcurrencyLimiterOptions options, Func<TResource, string> partitionKey, TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null, IMeterFactory? meterFactory = null)
    {
        Check(redis, options, partitionKey);
        var source = new RedisConnectionSource(redis);
        var services = Services(timeProvider, loggerFactory, meterFactory);
        return Partitioned(partitionKey, key => new RedisConcurrencyLimiter(source, options, key, services));
    }

    // One set of services for all the partitions, which come and go with traffic.
    private static LimiterServices Services(TimeProvider? timeProvider, ILoggerFactory? loggerFactory, IMeterFactory? meterFactory)
        => new(timeProvider ?? TimeProvider.System, loggerFactory, new ResilienceMetrics(meterFactory), OwnsMetrics: false);

    private static void Check<TResource>(IConnectionMultiplexer redis, RedisRateLimiterOptions options, Func<TResource, string> partitionKey)
    {
        ArgumentNullException.ThrowIfNull(redis);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(partitionKey);
        options.Validate();
    }

    private static PartitionedRateLimiter<TResource> Partitioned<TResource>(Func<TResource, string> partitionKey, Func<string, RateLimiter> create)
        => PartitionedRateLimiter.Create<TResource, string>(resource =>
        {
            var key = partitionKey(resource)
                ?? throw new ArgumentException("The partition key function returned null; return a non-null key (use \"\" for a shared partition).", nameof(partitionKey));
            return RateLimitPartition.Get(key, create);
        });
}
