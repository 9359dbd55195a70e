using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Scalable.Sharding.Tests.Support;
using Scalable.TestSupport;

namespace Scalable.Sharding.Tests;

public sealed class ShardedDatabaseTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    private static readonly Func<NpgsqlConnection, ShardDefinition, CancellationToken, Task<long>> CountUsers = async (connection, _, token) =>
    {
        await using var command = new NpgsqlCommand("SELECT count(*) FROM users", connection);
        return (long)(await command.ExecuteScalarAsync(token))!;
    };

    [Fact]
    public async Task Ten_thousand_users_written_through_the_router_are_read_back_from_their_owning_shard_and_counted_by_scatter_gather()
    {
        var shards = await postgres.Server.CreateDatabasesAsync(3);
        await Users.CreateTablesAsync(shards);
        await using var provider = ShardedDatabases.Build(shards);
        var database = provider.GetRequiredService<ShardedDatabase>();
        var ids = Users.Ids(10_000).ToList();

        await Users.WriteThroughRouterAsync(database, ids);

        foreach (var id in ids)
        {
            await using var connection = await database.OpenConnectionAsync(id);
            Assert.Equal($"name of {id}", await Users.ReadNameAsync(connection, id));
        }

        for (var i = 0; i < shards.Count; i++)
        {
            var expected = ids.Where(id => database.Topology.GetShard(id).Name == $"shard{i}").Order(StringComparer.Ordinal);
            Assert.Equal(expected, (await Users.AllIdsAsync(shards[i])).Order(StringComparer.Ordinal));
        }

        var result = await database.ScatterGatherAsync(CountUsers);

        Assert.True(result.IsComplete);
        Assert.Equal(3, result.Results.Count);
        Assert.Equal(10_000L, result.Values.Sum());
        Assert.All(result.Values, count => Assert.InRange(count, 2_500L, 4_200L));
    }

    [Fact]
    public async Task With_one_shard_stopped_scatter_gather_returns_the_others_and_names_the_failed_shard()
    {
        var shards = (await postgres.Server.CreateDatabasesAsync(2)).ToList();
        await using var lonely = await PostgresServer.StartLocalAsync();
        shards.Add(await lonely.CreateDatabaseAsync("shard2"));
        await Users.CreateTablesAsync(shards);
        await using var provider = ShardedDatabases.Build(shards, o => o.ShardTimeout = TimeSpan.FromSeconds(20));
        var database = provider.GetRequiredService<ShardedDatabase>();
        var ids = Users.Ids(3_000).ToList();
        await Users.WriteThroughRouterAsync(database, ids);
        var onStoppedShard = ids.Count(id => database.Topology.GetShard(id).Name == "shard2");

        await lonely.StopAsync();

        // The read-your-writes form (each shard read as ReadAsync reads it) reports a stopped shard the same way.
        foreach (var result in new[] { await database.ScatterGatherAsync(CountUsers), await database.ScatterGatherAsync(CountUsers, ReadYourWritesToken.None) })
        {
            Assert.False(result.IsComplete);
            var failure = Assert.Single(result.Failures);
            Assert.Equal("shard2", failure.ShardName);
            Assert.IsAssignableFrom<NpgsqlException>(failure.Exception);
            Assert.Equal(["shard0", "shard1"], result.Results.Select(r => r.ShardName));
            Assert.Equal(ids.Count - onStoppedShard, result.Values.Sum());
        }

        await lonely.RestartAsync();
        Assert.True((await database.ScatterGatherAsync(CountUsers)).IsComplete);
    }

    [Fact]
    public async Task A_shard_slower_than_the_shard_timeout_is_reported_as_timed_out_while_the_others_answer()
    {
        var shards = await postgres.Server.CreateDatabasesAsync(3);
        // Generous for the healthy shards on a busy machine; the slow shard sleeps far longer.
        await using var provider = ShardedDatabases.Build(shards, o => o.ShardTimeout = TimeSpan.FromSeconds(5));
        var database = provider.GetRequiredService<ShardedDatabase>();

        static async Task<string> SlowOnShard1(NpgsqlConnection connection, ShardDefinition shard, CancellationToken token)
        {
            await using var command = new NpgsqlCommand(shard.Name == "shard1" ? "SELECT pg_sleep(60)" : "SELECT 1", connection);
            await command.ExecuteScalarAsync(token);
            return shard.Name;
        }

        // The read-your-writes form runs under the same shard timeout.
        foreach (var result in new[] { await database.ScatterGatherAsync(SlowOnShard1), await database.ScatterGatherAsync(SlowOnShard1, ReadYourWritesToken.None) })
        {
            var failure = Assert.Single(result.Failures);
            Assert.Equal("shard1", failure.ShardName);
            var timeout = Assert.IsType<TimeoutException>(failure.Exception);
            Assert.Contains("ShardTimeout", timeout.Message, StringComparison.Ordinal);
            Assert.Equal(["shard0", "shard2"], result.Values);
        }
    }

    [Fact]
    public async Task Scatter_gather_never_runs_more_shards_at_once_than_the_parallelism_allows()
    {
        var shards = await postgres.Server.CreateDatabasesAsync(4);
        await using var provider = ShardedDatabases.Build(shards, o => o.ScatterGatherParallelism = 2);
        var database = provider.GetRequiredService<ShardedDatabase>();
        int running = 0, peak = 0;

        var result = await database.ScatterGatherAsync(async (connection, _, token) =>
        {
            var now = Interlocked.Increment(ref running);
            InterlockedMax(ref peak, now);
            await using var command = new NpgsqlCommand("SELECT pg_sleep(0.2)", connection);
            await command.ExecuteScalarAsync(token);
            Interlocked.Decrement(ref running);
            return 1;
        });

        Assert.Equal(4, result.Values.Sum());
        Assert.InRange(peak, 1, 2);
    }

    [Fact]
    public async Task Replica_reads_go_to_the_replica_and_fall_back_to_the_primary_when_no_replica_answers()
    {
        var databases = await postgres.Server.CreateDatabasesAsync(2, "replica_test");
        foreach (var (cs, label) in databases.Zip(["primary", "replica"]))
        {
            await using var connection = new NpgsqlConnection(cs);
            await connection.OpenAsync();
            await Users.ExecuteAsync(connection, $"CREATE TABLE role (name text); INSERT INTO role VALUES ('{label}')");
        }

        var unreachable = new NpgsqlConnectionStringBuilder(databases[0]) { Port = 1, Timeout = 2 }.ConnectionString;
        await using var provider = ShardedDatabases.Build([databases[0]], o => o.Shards[0].ReadReplicas.Add(databases[1]));
        await using var fallbackProvider = ShardedDatabases.Build([databases[0]], o => o.Shards[0].ReadReplicas.Add(unreachable));

        Assert.Equal("replica", await RoleAsync(provider.GetRequiredService<ShardedDatabase>(), ShardAccess.ReadReplica));
        Assert.Equal("primary", await RoleAsync(provider.GetRequiredService<ShardedDatabase>(), ShardAccess.Primary));
        Assert.Equal("primary", await RoleAsync(fallbackProvider.GetRequiredService<ShardedDatabase>(), ShardAccess.ReadReplica));
    }

    [Fact]
    public async Task A_synchronously_disposed_container_closes_the_shard_pools()
    {
        var shards = await postgres.Server.CreateDatabasesAsync(1, "dispose");
        var provider = ShardedDatabases.Build(shards);
        var database = provider.GetRequiredService<ShardedDatabase>();
        var dataSource = database.GetDataSource(database.Topology.Shards[0]);
        await using (var connection = await database.OpenConnectionAsync("key"))
        {
            Assert.Equal(System.Data.ConnectionState.Open, connection.State);
        }

        provider.Dispose();

        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await dataSource.OpenConnectionAsync());
    }

    private static async Task<string> RoleAsync(ShardedDatabase database, ShardAccess access)
    {
        await using var connection = await database.OpenConnectionAsync("any-key", access);
        await using var command = new NpgsqlCommand("SELECT name FROM role", connection);
        return (string)(await command.ExecuteScalarAsync())!;
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }
}
