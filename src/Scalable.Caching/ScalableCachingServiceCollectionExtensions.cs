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
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<ScalableCachingOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ScalableCachingOptions>, ScalableCachingOptionsValidator>());
        services.TryAddSingleton<IScalableCacheSerializer>(ScalableCacheFactory.CreateSerializer);
        services.TryAddSingleton(ScalableCacheFactory.Create);
        services.TryAddSingleton<IScalableCache>(static sp => sp.GetRequiredService<ScalableCache>());
        services.TryAddSingleton<HybridCache>(static sp => new ScalableHybridCache(
            sp.GetRequiredService<ScalableCache>(), sp.GetRequiredService<IOptions<ScalableCachingOptions>>().Value.DefaultEntryOptions));
        return new ScalableCachingBuilder(services);
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
}
