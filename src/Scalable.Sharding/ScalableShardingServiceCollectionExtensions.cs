using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Scalable.Sharding;
using Scalable.Sharding.Internal;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers Scalable.Sharding in a service collection.</summary>
public static class ScalableShardingServiceCollectionExtensions
{
    /// <summary>Adds the shard map (<see cref="ShardMap"/>) and the Npgsql integration (<see cref="ShardedDatabase"/>); the options are validated at host start.</summary>
    /// <param name="services">The service collection to add to.</param>
    /// <returns>A builder for further configuration.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> is null.</exception>
    public static ScalableShardingBuilder AddScalableSharding(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<ScalableShardingOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ScalableShardingOptions>, ShardingOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new ShardMap(
            sp.GetRequiredService<IOptionsMonitor<ScalableShardingOptions>>(),
            sp.GetRequiredService<IOptionsFactory<ScalableShardingOptions>>(),
            sp.GetServices<IOptionsChangeTokenSource<ScalableShardingOptions>>(),
            sp.GetService<Logging.ILogger<ShardMap>>()));
        services.TryAddSingleton(sp => new ShardedDatabase(
            sp.GetRequiredService<ShardMap>(),
            sp.GetRequiredService<IOptionsMonitor<ScalableShardingOptions>>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<Logging.ILogger<ShardedDatabase>>())
        {
            MeterFactory = sp.GetService<System.Diagnostics.Metrics.IMeterFactory>(),
        });
        return new ScalableShardingBuilder(services);
    }

    /// <summary>Adds Scalable.Sharding and configures its options in code.</summary>
    /// <param name="services">The service collection to add to.</param>
    /// <param name="configure">Sets the options.</param>
    /// <returns>A builder for further configuration.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> or <paramref name="configure"/> is null.</exception>
    public static ScalableShardingBuilder AddScalableSharding(this IServiceCollection services, Action<ScalableShardingOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var builder = services.AddScalableSharding();
        services.Configure(configure);
        return builder;
    }

    /// <summary>Adds Scalable.Sharding bound to a configuration section; a reload of the section swaps in the new shard map atomically.</summary>
    /// <param name="services">The service collection to add to.</param>
    /// <param name="configuration">The section, for example <c>configuration.GetSection("Sharding")</c>.</param>
    /// <returns>A builder for further configuration.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> or <paramref name="configuration"/> is null.</exception>
    public static ScalableShardingBuilder AddScalableSharding(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var builder = services.AddScalableSharding();
        services.Configure<ScalableShardingOptions>(configuration);
        return builder;
    }
}
