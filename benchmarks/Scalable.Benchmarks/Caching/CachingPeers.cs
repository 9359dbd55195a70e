using System.ComponentModel;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Caching.StackExchangeRedis;
using Microsoft.Extensions.DependencyInjection;
using Scalable.Caching;
using StackExchange.Redis;
using ZiggyCreatures.Caching.Fusion;
using ZiggyCreatures.Caching.Fusion.Locking.Distributed.Redis;
using ZiggyCreatures.Caching.Fusion.Serialization.SystemTextJson;

namespace Scalable.Benchmarks.Caching;

/// <summary>Builds each cache of the peer comparison the way its documentation sets it up, on a given Redis connection (or none).</summary>
internal static class CachingPeers
{
    /// <summary>How long every entry stays fresh: longer than any run, so no benchmark meets an expiry.</summary>
    public static readonly TimeSpan Duration = TimeSpan.FromHours(1);

    /// <summary>Scalable.Caching, with Redis as L2, lease store and backplane when a connection is given.</summary>
    public static ServiceProvider Scalable(IConnectionMultiplexer? redis, string prefix)
    {
        var builder = new ServiceCollection().AddScalableCaching(o =>
        {
            o.DefaultEntryOptions = new() { Duration = Duration };
            o.KeyPrefix = prefix;
        });
        if (redis is not null)
        {
            builder.WithRedis(_ => redis);
        }

        return builder.Services.BuildServiceProvider();
    }

    /// <summary>FusionCache 2.9.0 with the System.Text.Json serializer and, when a connection is given, Redis as distributed cache, backplane and distributed locker.</summary>
    public static ServiceProvider Fusion(IConnectionMultiplexer? redis, string prefix)
    {
        var services = new ServiceCollection();
        var builder = services.AddFusionCache()
            .WithOptions(o => o.CacheKeyPrefix = prefix)
            .WithDefaultEntryOptions(o => o.Duration = Duration)
            .WithSerializer(new FusionCacheSystemTextJsonSerializer());
        if (redis is not null)
        {
            Task<IConnectionMultiplexer> Connect() => Task.FromResult(redis);
            builder
                .WithDistributedCache(new RedisCache(new RedisCacheOptions { ConnectionMultiplexerFactory = Connect }))
                .WithStackExchangeRedisBackplane(o => o.ConnectionMultiplexerFactory = Connect)
                .WithRedisDistributedLocker(o => o.ConnectionMultiplexerFactory = Connect);
        }

        return services.BuildServiceProvider();
    }

    /// <summary>Microsoft's HybridCache 10.11.0 over the Redis IDistributedCache (Microsoft.Extensions.Caching.StackExchangeRedis) when a connection is given.</summary>
    public static ServiceProvider Hybrid(IConnectionMultiplexer? redis, string prefix)
    {
        var services = new ServiceCollection();
        if (redis is not null)
        {
            services.AddStackExchangeRedisCache(o =>
            {
                o.ConnectionMultiplexerFactory = () => Task.FromResult(redis);
                o.InstanceName = prefix;
            });
        }

        services.AddHybridCache(o => o.DefaultEntryOptions = new HybridCacheEntryOptions { Expiration = Duration, LocalCacheExpiration = Duration });
        return services.BuildServiceProvider();
    }
}

/// <summary>A small immutable value: sealed and marked immutable, so HybridCache may hand out one instance instead of a copy per hit.</summary>
/// <param name="Id">The id.</param>
/// <param name="Amount">The amount.</param>
[ImmutableObject(true)]
public sealed record Price(int Id, decimal Amount);
