using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
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

    /// <summary>Registers one outbox and relay per shard of a reloadable shard map and follows its reloads: an added shard gets its outbox and relay, a removed shard's relays finish their batches and stop.</summary>
    /// <typeparam name="TShardMap">The options type that holds the shard map (for example Scalable.Sharding's <c>ScalableShardingOptions</c>); its default (unnamed) options are followed through <see cref="IOptionsMonitor{TOptions}"/>.</typeparam>
    /// <param name="shards">Reads the shards from the options, as pairs of shard name (the outbox name) and connection string.</param>
    /// <param name="configure">Sets the other options of a shard's outbox, given the shard name (the connection string is already set).</param>
    /// <returns>This builder, for chaining.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="shards"/> or <paramref name="configure"/> is null.</exception>
    public ScalableMessagingBuilder AddShardOutboxes<TShardMap>(Func<TShardMap, IEnumerable<KeyValuePair<string, string>>> shards, Action<string, ScalableMessagingOptions> configure)
        where TShardMap : class
    {
        ArgumentNullException.ThrowIfNull(shards);
        ArgumentNullException.ThrowIfNull(configure);
        Services.AddSingleton<IHostedService>(sp => new ShardOutboxes(
            ShardMapSource.From(sp.GetRequiredService<IOptionsMonitor<TShardMap>>(), shards),
            new ShardOutboxOptions(configure, sp.GetServices<IValidateOptions<ScalableMessagingOptions>>()),
            (OutboxProvider)sp.GetRequiredService<IOutboxProvider>(),
            sp.GetService<TimeProvider>() ?? TimeProvider.System,
            sp.GetService<ILoggerFactory>()?.CreateLogger("Scalable.Messaging.Outbox") ?? NullLogger.Instance));
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
        Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ScalableMessagingOptions>, ScalableMessagingOptionsValidator>());
        return this;
    }
}
