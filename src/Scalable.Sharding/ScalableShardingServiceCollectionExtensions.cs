using Scalable.Sharding;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers Scalable.Sharding in a service collection.</summary>
public static class ScalableShardingServiceCollectionExtensions
{
    /// <summary>Adds Scalable.Sharding with default options.</summary>
    /// <param name="services">The service collection to add to.</param>
    /// <returns>The same service collection, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> is null.</exception>
    public static IServiceCollection AddScalableSharding(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<ScalableShardingOptions>();
        return services;
    }

    /// <summary>Adds Scalable.Sharding and configures its options.</summary>
    /// <param name="services">The service collection to add to.</param>
    /// <param name="configure">Sets the options.</param>
    /// <returns>The same service collection, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> or <paramref name="configure"/> is null.</exception>
    public static IServiceCollection AddScalableSharding(this IServiceCollection services, Action<ScalableShardingOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        services.AddScalableSharding();
        services.Configure(configure);
        return services;
    }
}
