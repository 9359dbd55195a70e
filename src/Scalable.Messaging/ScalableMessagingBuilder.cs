using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Scalable.Messaging.Internal;

namespace Scalable.Messaging;

/// <summary>Adds optional parts to Scalable.Messaging, such as more outboxes (one per shard database).</summary>
public sealed class ScalableMessagingBuilder
{
    internal ScalableMessagingBuilder(IServiceCollection services) => Services = services;

    /// <summary>Gets the service collection.</summary>
    public IServiceCollection Services { get; }

    /// <summary>Registers a named outbox with its own database, tables and relay; resolve it with <see cref="IOutboxProvider.GetOutbox"/>.</summary>
    /// <param name="name">The outbox name (for example the shard name); empty is the default outbox.</param>
    /// <param name="configure">Sets the outbox options.</param>
    /// <returns>This builder, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> or <paramref name="configure"/> is null.</exception>
    public ScalableMessagingBuilder AddOutbox(string name, Action<ScalableMessagingOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(configure);
        Services.AddOptions<ScalableMessagingOptions>(name).Configure(configure).ValidateOnStart();
        var registered = Services.Any(d => d.ServiceType == typeof(OutboxRegistration) && d.ImplementationInstance is OutboxRegistration r && r.Name == name);
        if (!registered)
        {
            Services.AddSingleton(new OutboxRegistration(name));
            Services.AddSingleton<IHostedService>(sp => new OutboxRelayHost(
                sp.GetRequiredService<IOutboxProvider>().GetOutbox(name),
                sp.GetService<TimeProvider>() ?? TimeProvider.System,
                sp.GetService<ILoggerFactory>()?.CreateLogger("Scalable.Messaging.Outbox") ?? NullLogger.Instance));
        }

        return this;
    }

    /// <summary>Configures each data source the package builds from a connection string (type mappings, password providers, logging) before it is built.</summary>
    /// <param name="configure">Called with the outbox name and the data source builder.</param>
    /// <returns>This builder, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="configure"/> is null.</exception>
    public ScalableMessagingBuilder ConfigureDataSource(Action<string, NpgsqlDataSourceBuilder> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        Services.AddSingleton(new DataSourceConfiguration(configure));
        return this;
    }

    internal ScalableMessagingBuilder AddCore()
    {
        Services.AddOptions();
        Services.TryAddSingleton<IOutboxProvider, OutboxProvider>();
        Services.TryAddEnumerable(ServiceDescriptor.Singleton<Microsoft.Extensions.Options.IValidateOptions<ScalableMessagingOptions>, ScalableMessagingOptionsValidator>());
        return this;
    }
}
