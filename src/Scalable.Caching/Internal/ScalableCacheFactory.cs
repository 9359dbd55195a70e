using System.Diagnostics.Metrics;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Scalable.Caching.Internal;

// Builds the cache from what is registered: options (validated here at the latest), serializer, time, L2.
internal static class ScalableCacheFactory
{
    // name: null for the default cache, else a named one (keyed services, named options).
    public static ScalableCache Create(IServiceProvider services, string? name)
    {
        var options = name is null
            ? services.GetRequiredService<IOptions<ScalableCachingOptions>>().Value
            : services.GetRequiredService<IOptionsMonitor<ScalableCachingOptions>>().Get(name);
        var registration = name is null ? services.GetService<L2Registration>() : services.GetKeyedService<L2Registration>(name);
        RedisConnection? redis = null;
        IL2Store? l2 = null;
        if (registration?.Redis is { } connect)
        {
            redis = new RedisConnection(connect(services), registration.OwnsRedis);
        }
        else if (registration?.UseDistributedCache == true)
        {
            var distributed = services.GetService<IDistributedCache>()
                ?? throw new InvalidOperationException("WithDistributedCache() needs an IDistributedCache registered in the service collection.");
            l2 = new DistributedCacheL2Store(distributed, options.KeyPrefix);
        }

        return new ScalableCache(
            options,
            new HybridSerializers(services, services.GetRequiredService<IScalableCacheSerializer>()),
            services.GetService<TimeProvider>() ?? TimeProvider.System,
            services.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance,
            services.GetService<IMeterFactory>(),
            l2,
            redis);
    }

    public static IScalableCacheSerializer CreateSerializer(IServiceProvider services)
    {
        var serializer = new SystemTextJsonCacheSerializer();
        foreach (var registration in services.GetServices<JsonTypeInfoRegistration>())
        {
            registration.ApplyTo(serializer);
        }

        return serializer;
    }
}
