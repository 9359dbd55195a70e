using Scalable.Caching;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers Scalable.Caching in a service collection.</summary>
public static class ScalableCachingServiceCollectionExtensions
{
    /// <summary>Adds Scalable.Caching with default options.</summary>
    /// <param name="services">The service collection to add to.</param>
    /// <returns>The same service collection, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> is null.</exception>
    public static IServiceCollection AddScalableCaching(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<ScalableCachingOptions>();
        return services;
    }

    /// <summary>Adds Scalable.Caching and configures its options.</summary>
    /// <param name="services">The service collection to add to.</param>
    /// <param name="configure">Sets the options.</param>
    /// <returns>The same service collection, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> or <paramref name="configure"/> is null.</exception>
    public static IServiceCollection AddScalableCaching(this IServiceCollection services, Action<ScalableCachingOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        services.AddScalableCaching();
        services.Configure(configure);
        return services;
    }
}
