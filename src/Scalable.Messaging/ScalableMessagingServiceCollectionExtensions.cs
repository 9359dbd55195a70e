using Scalable.Messaging;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers Scalable.Messaging in a service collection.</summary>
public static class ScalableMessagingServiceCollectionExtensions
{
    /// <summary>Adds Scalable.Messaging with default options.</summary>
    /// <param name="services">The service collection to add to.</param>
    /// <returns>The same service collection, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> is null.</exception>
    public static IServiceCollection AddScalableMessaging(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<ScalableMessagingOptions>();
        return services;
    }

    /// <summary>Adds Scalable.Messaging and configures its options.</summary>
    /// <param name="services">The service collection to add to.</param>
    /// <param name="configure">Sets the options.</param>
    /// <returns>The same service collection, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> or <paramref name="configure"/> is null.</exception>
    public static IServiceCollection AddScalableMessaging(this IServiceCollection services, Action<ScalableMessagingOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        services.AddScalableMessaging();
        services.Configure(configure);
        return services;
    }
}
