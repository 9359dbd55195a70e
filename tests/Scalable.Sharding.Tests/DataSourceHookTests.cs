using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Scalable.Sharding.Tests.Support;
using Scalable.TestSupport;

namespace Scalable.Sharding.Tests;

public sealed class DataSourceHookTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    [Fact]
    public async Task ConfigureDataSource_is_called_once_per_shard_with_its_name_and_shapes_its_connections()
    {
        var shards = await postgres.Server.CreateDatabasesAsync(2, "hook");
        var seen = new List<string>();
        await using var provider = ShardedDatabases.Build(shards, configureServices: builder => builder.ConfigureDataSource((shard, dataSource) =>
        {
            lock (seen)
            {
                seen.Add(shard);
            }

            dataSource.ConnectionStringBuilder.ApplicationName = "app-" + shard;
        }));
        var database = provider.GetRequiredService<ShardedDatabase>();

        foreach (var shard in database.Topology.Shards)
        {
            for (var i = 0; i < 2; i++)
            {
                await using var connection = await database.OpenConnectionAsync(shard);
                await using var command = new NpgsqlCommand("SELECT current_setting('application_name')", connection);
                Assert.Equal("app-" + shard.Name, await command.ExecuteScalarAsync());
            }
        }

        Assert.Equal(["shard0", "shard1"], seen.Order(StringComparer.Ordinal));
    }
}
