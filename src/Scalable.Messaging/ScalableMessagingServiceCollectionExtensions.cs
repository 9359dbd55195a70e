using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Scalable.Messaging;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers Scalable.Messaging in a service collection.</summary>
public static class ScalableMessagingServiceCollectionExtensions
{
    /// <summary>Adds the Scalable.Messaging services without an outbox; add outboxes with <see cref="ScalableMessagingBuilder.AddOutbox"/>.</summary>
    /// <param name="services">The service collection to add to.</param>
    /// <returns>A builder for outboxes.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> is null.</exception>
    public static ScalableMessagingBuilder AddScalableMessaging(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        return new ScalableMessagingBuilder(services).AddCore();
    }

    /// <summary>Adds Scalable.Messaging with a default outbox and its relay, configured by a callback; resolve it as <see cref="Outbox"/>.</summary>
    /// <param name="services">The service collection to add to.</param>
    /// <param name="configure">Sets the default outbox's options.</param>
    /// <returns>A builder for more outboxes.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> or <paramref name="configure"/> is null.</exception>
    public static ScalableMessagingBuilder AddScalableMessaging(this IServiceCollection services, Action<ScalableMessagingOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        var builder = services.AddScalableMessaging().AddOutbox(Options.Options.DefaultName, configure);
        services.TryAddSingleton(sp => sp.GetRequiredService<IOutboxProvider>().GetOutbox(Options.Options.DefaultName));
        return builder;
    }
}
