using Microsoft.Extensions.DependencyInjection;

namespace Scalable.Sharding.Tests.Support;

/// <summary>Builds the real DI registration over given shard databases, as an application would.</summary>
internal static class ShardedDatabases
{
    public static ServiceProvider Build(
        IReadOnlyList<string> connectionStrings,
        Action<ScalableShardingOptions>? configure = null,
        Action<ScalableShardingBuilder>? configureServices = null)
    {
        var builder = new ServiceCollection().AddScalableSharding(options =>
        {
            for (var i = 0; i < connectionStrings.Count; i++)
            {
                options.Shards.Add(new ShardOptions { Name = $"shard{i}", ConnectionString = connectionStrings[i] });
            }

            configure?.Invoke(options);
        });
        configureServices?.Invoke(builder);
        return builder.Services.BuildServiceProvider();
    }
}
