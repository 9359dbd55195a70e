using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Scalable.Sharding.Tests.Support;
using Scalable.TestSupport;

namespace Scalable.Sharding.Tests;

public sealed class ShardMapTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    [Fact]
    public async Task Readers_racing_many_swaps_always_see_a_whole_topology()
    {
        var versions = Enumerable.Range(1, 200)
            .Select(v => ShardTopology.Create(Enumerable.Range(0, 2 + (v % 5)).Select(i => new ShardDefinition($"s{i}", $"Host=h;Database=d{i}")), version: v))
            .ToArray();
        var map = new ShardMap(versions[0]);
        using var stop = new CancellationTokenSource();
        var readers = Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
        {
            var checks = 0;
            while (!stop.IsCancellationRequested || checks == 0)
            {
                var topology = map.Current;
                Assert.Equal(topology.Shards.Count, topology.Router.ShardCount);
                Assert.Equal(2 + (int)(topology.Version % 5), topology.Shards.Count);
                Assert.InRange(topology.GetShard($"key{checks}").Name, "s0", "s6");
                checks++;
            }
        })).ToArray();

        foreach (var next in versions.Skip(1))
        {
            map.Swap(next);
        }

        await stop.CancelAsync();
        await Task.WhenAll(readers);
        Assert.Equal(200, map.Current.Version);
    }

    [Fact]
    public async Task After_a_configuration_reload_connections_for_a_key_go_to_its_owner_in_the_new_map()
    {
        var databases = await postgres.Server.CreateDatabasesAsync(3, "reload");
        for (var i = 0; i < databases.Count; i++)
        {
            await using var connection = new NpgsqlConnection(databases[i]);
            await connection.OpenAsync();
            await Users.ExecuteAsync(connection, $"CREATE TABLE whoami (name text); INSERT INTO whoami VALUES ('shard{i}')");
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(Shards(databases.Take(2))).Build();
        await using var provider = new ServiceCollection().AddScalableSharding(configuration).Services.BuildServiceProvider();
        var database = provider.GetRequiredService<ShardedDatabase>();
        var keys = RouterSets.Keys(300);
        Assert.All(keys, key => Assert.NotEqual("shard2", database.Topology.GetShard(key).Name));

        foreach (var (key, value) in Shards(databases))
        {
            configuration[key] = value;
        }

        configuration.Reload();

        var movedToNewShard = 0;
        foreach (var key in keys)
        {
            await using var connection = await database.OpenConnectionAsync(key);
            await using var command = new NpgsqlCommand("SELECT name FROM whoami", connection);
            var name = (string)(await command.ExecuteScalarAsync())!;
            Assert.Equal(database.Topology.GetShard(key).Name, name);
            movedToNewShard += name == "shard2" ? 1 : 0;
        }

        Assert.InRange(movedToNewShard, 50, 150);
    }

    private static Dictionary<string, string?> Shards(IEnumerable<string> connectionStrings) =>
        connectionStrings.SelectMany((cs, i) => new[]
        {
            KeyValuePair.Create($"Shards:{i}:Name", (string?)$"shard{i}"),
            KeyValuePair.Create($"Shards:{i}:ConnectionString", (string?)cs),
        }).ToDictionary();
}
