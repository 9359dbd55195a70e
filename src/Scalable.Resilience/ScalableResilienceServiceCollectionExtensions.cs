using Scalable.Resilience;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers Scalable.Resilience in a service collection.</summary>
public static class ScalableResilienceServiceCollectionExtensions
{
    /// <summary>Adds Scalable.Resilience with default options.</summary>
    /// <param name="services">The service collection to add to.</param>
    /// <returns>The same service collection, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> is null.</exception>
    public static IServiceCollection AddScalableResilience(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<ScalableResilienceOptions>();
        return services;
    }

    /// <summary>Adds Scalable.Resilience and configures its options.</summary>
    /// <param name="services">The service collection to add to.</param>
    /// <param name="configure">Sets the options.</param>
    /// <returns>The same service collection, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> or <paramref name="configure"/> is null.</exception>
    public static IServiceCollection AddScalableResilience(this IServiceCollection services, Action<ScalableResilienceOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        services.AddScalableResilience();
        services.Configure(configure);
        return services;
    }
}
