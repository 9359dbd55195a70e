using System.Threading.RateLimiting;
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
    /// <returns>The partitioned limiter.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range; the message names it.</exception>
    public static PartitionedRateLimiter<TResource> CreateGcra<TResource>(IConnectionMultiplexer redis, RedisGcraRateLimiterOptions options, Func<TResource, string> partitionKey)
    {
        Check(redis, options, partitionKey);
        var source = new RedisConnectionSource(redis);
        return Partitioned(partitionKey, key => new RedisGcraRateLimiter(source, options, key));
    }

    /// <summary>Creates a partitioned sliding-window limiter.</summary>
    /// <typeparam name="TResource">The resource type, for example HttpContext.</typeparam>
    /// <param name="redis">The Redis connection.</param>
    /// <param name="options">The limit per partition and the outage settings.</param>
    /// <param name="partitionKey">Returns the partition of a resource; must not return null.</param>
    /// <returns>The partitioned limiter.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range; the message names it.</exception>
    public static PartitionedRateLimiter<TResource> CreateSlidingWindow<TResource>(IConnectionMultiplexer redis, RedisSlidingWindowRateLimiterOptions options, Func<TResource, string> partitionKey)
    {
        Check(redis, options, partitionKey);
        var source = new RedisConnectionSource(redis);
        return Partitioned(partitionKey, key => new RedisSlidingWindowRateLimiter(source, options, key));
    }

    /// <summary>Creates a partitioned concurrency limiter with expiring leases.</summary>
    /// <typeparam name="TResource">The resource type, for example HttpContext.</typeparam>
    /// <param name="redis">The Redis connection.</param>
    /// <param name="options">The limit per partition, the lease duration and the outage settings.</param>
    /// <param name="partitionKey">Returns the partition of a resource; must not return null.</param>
    /// <returns>The partitioned limiter.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range; the message names it.</exception>
    public static PartitionedRateLimiter<TResource> CreateConcurrency<TResource>(IConnectionMultiplexer redis, RedisConcurrencyLimiterOptions options, Func<TResource, string> partitionKey)
    {
        Check(redis, options, partitionKey);
        var source = new RedisConnectionSource(redis);
        return Partitioned(partitionKey, key => new RedisConcurrencyLimiter(source, options, key));
    }

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
