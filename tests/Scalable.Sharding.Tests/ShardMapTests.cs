using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Scalable.Sharding.Tests.Support;
using Scalable.TestSupport;

namespace Scalable.Sharding.Tests;

public sealed class ShardMapTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    [Fact]
    public async Task Readers_racing_many_swaps_each_see_every_version_and_always_a_whole_topology()
    {
        const int Versions = 200;
        const int ReaderCount = 4;

        // Every shard's connection string names its version, so a topology mixing two versions shows.
        var versions = Enumerable.Range(1, Versions)
            .Select(v => ShardTopology.Create(Enumerable.Range(0, 2 + (v % 5)).Select(i => new ShardDefinition($"s{i}", $"Host=h;Database=v{v}_d{i}")), version: v))
            .ToArray();
        var map = new ShardMap(versions[0]);
        var lastSeen = new long[ReaderCount];
        var distinctSeen = new int[ReaderCount];
        using var stop = new CancellationTokenSource();
        var readers = Enumerable.Range(0, ReaderCount).Select(r => Task.Run(() =>
        {
            var seen = new HashSet<long>();
            var checks = 0;
            while (Volatile.Read(ref lastSeen[r]) < Versions && !stop.IsCancellationRequested)
            {
                var topology = map.Current;
                var version = topology.Version;
                var suffix = $"Database=v{version}_d";
                Assert.True(version >= Volatile.Read(ref lastSeen[r]), $"reader {r} went back from version {lastSeen[r]} to {version}");
                Assert.Equal(2 + (int)(version % 5), topology.Shards.Count);
                Assert.Equal(topology.Shards.Count, topology.Router.ShardCount);
                Assert.All(topology.Shards, s => Assert.Contains(suffix, s.ConnectionString, StringComparison.Ordinal));
                var owner = topology.GetShard($"key{checks++}");
                Assert.Contains(owner, topology.Shards);
                Assert.Contains(suffix, owner.ConnectionString, StringComparison.Ordinal);
                seen.Add(version);
                Volatile.Write(ref distinctSeen[r], seen.Count);
                Volatile.Write(ref lastSeen[r], version);
                Thread.Yield(); // lets the swapper run on a busy machine; the other readers keep reading meanwhile
            }
        })).ToArray();

        // The swapper moves on only once every reader has seen the version it swapped in, while the readers keep reading:
        // each swap races running readers, and each reader sees every version. A failed reader or the bound stops it.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        foreach (var next in versions)
        {
            if (next.Version > 1)
            {
                map.Swap(next);
            }

            while (Enumerable.Range(0, ReaderCount).Any(r => Volatile.Read(ref lastSeen[r]) < next.Version) && !readers.Any(r => r.IsFaulted) && DateTime.UtcNow < deadline)
            {
                Thread.Yield();
            }

            // Faulted, not completed: a reader that has seen the last version completes while the others still read it.
            if (readers.Any(r => r.IsFaulted) || DateTime.UtcNow >= deadline)
            {
                await stop.CancelAsync();
                break;
            }
        }

        await Task.WhenAll(readers);
        Assert.Equal(Versions, map.Current.Version);
        Assert.All(distinctSeen, count => Assert.Equal(Versions, count));
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
