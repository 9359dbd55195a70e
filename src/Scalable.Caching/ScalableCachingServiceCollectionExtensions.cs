using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Scalable.Caching;
using Scalable.Caching.Internal;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers Scalable.Caching in a service collection.</summary>
public static class ScalableCachingServiceCollectionExtensions
{
    /// <summary>Adds Scalable.Caching (L1 only until the builder adds an L2) with default options, as <see cref="IScalableCache"/> and as <see cref="HybridCache"/> (unless one is already registered).</summary>
    /// <param name="services">The service collection to add to.</param>
    /// <returns>A builder for Redis, a distributed cache or a serializer.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> is null.</exception>
    public static ScalableCachingBuilder AddScalableCaching(this IServiceCollection services)
    {
        AddShared(services);
        services.AddOptions<ScalableCachingOptions>().ValidateOnStart();
        services.TryAddSingleton(static sp => ScalableCacheFactory.Create(sp, name: null));
        services.TryAddSingleton<IScalableCache>(static sp => sp.GetRequiredService<ScalableCache>());
        services.TryAddSingleton<HybridCache>(static sp => new ScalableHybridCache(
            sp.GetRequiredService<ScalableCache>(), sp.GetRequiredService<IOptions<ScalableCachingOptions>>().Value.DefaultEntryOptions));
        return new ScalableCachingBuilder(services, name: null);
    }

    /// <summary>Adds Scalable.Caching and configures its options.</summary>
    /// <param name="services">The service collection to add to.</param>
    /// <param name="configure">Sets the options.</param>
    /// <returns>A builder for Redis, a distributed cache or a serializer.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> or <paramref name="configure"/> is null.</exception>
    public static ScalableCachingBuilder AddScalableCaching(this IServiceCollection services, Action<ScalableCachingOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var builder = services.AddScalableCaching();
        services.Configure(configure);
        return builder;
    }

    /// <summary>Adds a named cache with its own options, L2 and key prefix (default "scalable:{name}:"), resolved as a keyed <see cref="IScalableCache"/> or <see cref="HybridCache"/> (e.g. <c>[FromKeyedServices("name")]</c>).</summary>
    /// <param name="services">The service collection to add to.</param>
    /// <param name="name">The cache's name, used as the service key.</param>
    /// <param name="configure">Sets the options of this cache only.</param>
    /// <returns>A builder for this cache's Redis or distributed cache; serializers are shared by every cache.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> or <paramref name="configure"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="name"/> is null or empty.</exception>
    public static ScalableCachingBuilder AddScalableCaching(this IServiceCollection services, string name, Action<ScalableCachingOptions> configure)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(configure);
        AddShared(services);
        services.AddOptions<ScalableCachingOptions>(name)
            .Configure(o => o.KeyPrefix = $"scalable:{name}:")
            .Configure(configure)
            .ValidateOnStart();
        services.TryAddKeyedSingleton(name, static (sp, key) => ScalableCacheFactory.Create(sp, (string)key!));
        services.TryAddKeyedSingleton<IScalableCache>(name, static (sp, key) => sp.GetRequiredKeyedService<ScalableCache>(key));
        services.TryAddKeyedSingleton<HybridCache>(name, static (sp, key) => new ScalableHybridCache(
            sp.GetRequiredKeyedService<ScalableCache>(key), sp.GetRequiredService<IOptionsMonitor<ScalableCachingOptions>>().Get((string)key!).DefaultEntryOptions));
        return new ScalableCachingBuilder(services, name);
    }

    private static void AddShared(IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ScalableCachingOptions>, ScalableCachingOptionsValidator>());
        services.TryAddSingleton<IScalableCacheSerializer>(ScalableCacheFactory.CreateSerializer);
    }
}
