using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Scalable.Sharding;

/// <summary>Returned by <c>AddScalableSharding</c>, for further configuration of sharding.</summary>
public sealed class ScalableShardingBuilder
{
    internal ScalableShardingBuilder(IServiceCollection services) => Services = services;

    /// <summary>Gets the service collection.</summary>
    public IServiceCollection Services { get; }

    /// <summary>Adds more option settings, applied after the earlier ones.</summary>
    /// <param name="configure">Sets the options.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="configure"/> is null.</exception>
    public ScalableShardingBuilder Configure(Action<ScalableShardingOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        Services.Configure(configure);
        return this;
    }

    /// <summary>Adds a hook that configures each shard's <see cref="NpgsqlDataSourceBuilder"/> (type mappings, password providers, logging) before its data source is built.</summary>
    /// <param name="configure">Called once per shard data source with the shard name and the builder.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="configure"/> is null.</exception>
    public ScalableShardingBuilder ConfigureDataSource(Action<string, NpgsqlDataSourceBuilder> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        Services.Configure<ScalableShardingOptions>(options => options.ConfigureDataSource += configure);
        return this;
    }
}
