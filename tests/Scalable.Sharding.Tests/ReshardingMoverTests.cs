using Npgsql;
using Scalable.Sharding.Tests.Support;
using Scalable.TestSupport;

namespace Scalable.Sharding.Tests;

[Collection("Resharding")]
public sealed class ReshardingMoverTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    [Fact]
    public async Task Adding_a_fourth_shard_moves_exactly_the_changed_keys_and_leaves_every_row_on_its_new_owner_once()
    {
        await using var scenario = await ReshardingScenario.CreateAsync(await postgres.Server.CreateDatabasesAsync(4), 10_000);
        var expectedMoves = ShardTopologyDiff.GetMoves(scenario.Before, scenario.After, scenario.Ids).ToList();

        var report = await scenario.Mover().MoveAsync(ReshardingScenario.Table);

        Assert.Equal(expectedMoves.Count, report.RowsMoved);
        Assert.All(expectedMoves, move => Assert.Equal("shard3", move.To.Name));
        Assert.InRange(expectedMoves.Count, 2_000, 3_000);
        Assert.Equal(expectedMoves.Count, report.RowsByRoute.Where(r => r.Key.Target == "shard3").Sum(r => r.Value));
        await scenario.AssertEveryRowOnItsNewOwnerOnceAsync();

        var again = await scenario.Mover().MoveAsync(ReshardingScenario.Table);

        Assert.Equal(0, again.RowsMoved);
        Assert.Equal(report.MoveId, again.MoveId);
        Assert.Equal(report.RowsMoved, again.RowsMovedBefore);
        await scenario.AssertEveryRowOnItsNewOwnerOnceAsync();
    }

    [Fact]
    public async Task A_move_interrupted_halfway_keeps_every_row_readable_and_resuming_gives_the_same_result()
    {
        await using var scenario = await ReshardingScenario.CreateAsync(await postgres.Server.CreateDatabasesAsync(4), 10_000);
        using var stop = new CancellationTokenSource();
        var mover = scenario.Mover(batchSize: 400);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            mover.MoveAsync(ReshardingScenario.Table, new AfterBatches(6, stop.Cancel), stop.Token));

        var halfway = await scenario.LocationsAsync();
        var onNewShard = halfway.Count(l => l.Value.Contains("shard3"));
        var stillToMove = halfway.Count(l => !l.Value.Contains(scenario.After.GetShard(l.Key).Name));
        Assert.True(onNewShard > 0 && stillToMove > 0, $"expected a half-done move, found {onNewShard} moved and {stillToMove} waiting.");
        foreach (var id in scenario.Ids)
        {
            Assert.Equal($"name of {id}", await mover.ReadAsync(id, (connection, token) => Users.ReadNameAsync(connection, id, token)));
        }

        var resumed = await scenario.Mover(batchSize: 400).MoveAsync(ReshardingScenario.Table);

        Assert.True(resumed.RowsMovedBefore > 0);
        Assert.Equal(stillToMove, resumed.RowsMoved);
        await scenario.AssertEveryRowOnItsNewOwnerOnceAsync();
    }

    [Fact]
    public async Task A_target_shard_that_crashes_mid_move_loses_no_row_and_a_rerun_completes_the_move()
    {
        var databases = (await postgres.Server.CreateDatabasesAsync(3)).ToList();
        await using var fourth = await PostgresServer.StartLocalAsync();
        databases.Add(await fourth.CreateDatabaseAsync("shard3"));
        await using var scenario = await ReshardingScenario.CreateAsync(databases, 3_000);

        await Assert.ThrowsAnyAsync<NpgsqlException>(() => scenario.Mover(batchSize: 200).MoveAsync(
            ReshardingScenario.Table,
            new AfterBatches(3, () => fourth.StopAsync().GetAwaiter().GetResult())));

        var survivors = await SurvivingIdsAsync(databases.Take(3));
        Assert.True(survivors.Count < scenario.Ids.Count, "the crash came before any batch was moved.");
        await fourth.RestartAsync();
        Assert.Equal(scenario.Ids.Count, (await scenario.LocationsAsync()).Count);

        await scenario.Mover(batchSize: 200).MoveAsync(ReshardingScenario.Table);

        await scenario.AssertEveryRowOnItsNewOwnerOnceAsync();
    }

    [Fact]
    public async Task Rows_left_on_the_target_by_a_crash_between_copy_and_delete_are_replaced_not_duplicated()
    {
        await using var scenario = await ReshardingScenario.CreateAsync(await postgres.Server.CreateDatabasesAsync(4), 2_000);
        var moving = ShardTopologyDiff.GetMoves(scenario.Before, scenario.After, scenario.Ids).Take(50).Select(m => m.Key).ToList();
        await using (var target = new NpgsqlConnection(scenario.ConnectionStrings[3]))
        {
            await target.OpenAsync();
            await using var command = new NpgsqlCommand("INSERT INTO users SELECT unnest(@ids), 'stale copy', 0", target);
            command.Parameters.AddWithValue("ids", moving.ToArray());
            await command.ExecuteNonQueryAsync();
        }

        await scenario.Mover().MoveAsync(ReshardingScenario.Table);

        await scenario.AssertEveryRowOnItsNewOwnerOnceAsync();
        await using var connection = await scenario.Database.OpenConnectionAsync(scenario.After.GetShardByName("shard3"));
        foreach (var id in moving)
        {
            Assert.Equal($"name of {id}", await Users.ReadNameAsync(connection, id));
        }
    }

    [Fact]
    public async Task With_keep_a_newer_row_written_to_the_new_owner_during_the_move_wins_over_the_source_row()
    {
        await using var scenario = await ReshardingScenario.CreateAsync(await postgres.Server.CreateDatabasesAsync(4), 2_000);
        var moves = ShardTopologyDiff.GetMoves(scenario.Before, scenario.After, scenario.Ids).ToList();
        var rewritten = moves.Take(100).Select(m => m.Key).ToList();
        await using (var target = await scenario.Database.OpenConnectionAsync(scenario.After.GetShardByName("shard3")))
        {
            // A writer already on the new topology upserts these users on their new owner.
            await using var command = new NpgsqlCommand("INSERT INTO users SELECT unnest(@ids), 'newer write', 1", target);
            command.Parameters.AddWithValue("ids", rewritten.ToArray());
            await command.ExecuteNonQueryAsync();
        }

        var report = await new ReshardingMover(scenario.Database, scenario.Before, scenario.After, new ReshardingOptions { BatchSize = 300, ExistingTargetRows = ExistingTargetRows.Keep })
            .MoveAsync(ReshardingScenario.Table);

        Assert.Equal(moves.Count - rewritten.Count, report.RowsMoved);
        Assert.Equal(rewritten.Count, report.SourceRowsDropped);
        await scenario.AssertEveryRowOnItsNewOwnerOnceAsync();
        await using var connection = await scenario.Database.OpenConnectionAsync(scenario.After.GetShardByName("shard3"));
        foreach (var id in rewritten)
        {
            Assert.Equal("newer write", await Users.ReadNameAsync(connection, id));
        }

        Assert.Equal($"name of {moves[^1].Key}", await Users.ReadNameAsync(connection, (string)moves[^1].Key));
    }

    [Fact]
    public async Task A_batch_altered_on_its_way_fails_verification_and_nothing_is_committed_or_deleted()
    {
        await using var scenario = await ReshardingScenario.CreateAsync(await postgres.Server.CreateDatabasesAsync(4), 1_000);
        await using (var target = new NpgsqlConnection(scenario.ConnectionStrings[3]))
        {
            await target.OpenAsync();
            await Users.ExecuteAsync(target, """
                CREATE FUNCTION garble() RETURNS trigger AS $$ BEGIN NEW.score := NEW.score + 1; RETURN NEW; END $$ LANGUAGE plpgsql;
                CREATE TRIGGER garble BEFORE INSERT ON users FOR EACH ROW EXECUTE FUNCTION garble();
                """);
        }

        var error = await Assert.ThrowsAsync<ReshardingVerificationException>(() => scenario.Mover().MoveAsync(ReshardingScenario.Table));

        Assert.Contains("checksum", error.Message, StringComparison.Ordinal);
        Assert.Empty(await Users.AllIdsAsync(scenario.ConnectionStrings[3]));
        Assert.Equal(scenario.Ids.Count, (await SurvivingIdsAsync(scenario.ConnectionStrings.Take(3))).Count);
    }

    [Theory]
    [InlineData("uuid", "gen_random_uuid()")]
    [InlineData("bigint", "g")]
    [InlineData("integer", "g::integer")]
    public async Task Uuid_bigint_and_integer_key_columns_move_to_the_owner_the_router_gives_their_values(string type, string value)
    {
        var databases = await postgres.Server.CreateDatabasesAsync(4, "keys_" + type);
        foreach (var database in databases)
        {
            await using var connection = new NpgsqlConnection(database);
            await connection.OpenAsync();
            await Users.ExecuteAsync(connection, $"CREATE TABLE items (id {type} PRIMARY KEY, payload jsonb NOT NULL)");
        }

        var before = ShardTopology.Create(databases.Take(3).Select((cs, i) => new ShardDefinition($"shard{i}", cs)));
        var after = ShardTopology.Create(databases.Select((cs, i) => new ShardDefinition($"shard{i}", cs)), version: 2);
        for (var i = 0; i < 3; i++)
        {
            // 1,500 rows per old shard, spread by range rather than by the router: the mover puts every row on its owner.
            await using var connection = new NpgsqlConnection(databases[i]);
            await connection.OpenAsync();
            await Users.ExecuteAsync(connection, $"INSERT INTO items SELECT {value}, jsonb_build_object('n', g, 'shard', {i}) FROM generate_series({(i * 1500) + 1}, {(i + 1) * 1500}) g");
        }

        await using var provider = ShardedDatabases.Build(databases.Take(3).ToList());
        var sharded = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<ShardedDatabase>(provider);
        await new ReshardingMover(sharded, before, after, new ReshardingOptions { BatchSize = 300 }).MoveAsync(new ReshardingTable("items", "id"));

        var seen = 0;
        for (var i = 0; i < 4; i++)
        {
            await using var connection = new NpgsqlConnection(databases[i]);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("SELECT id FROM items", connection);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                seen++;
                Assert.Equal($"shard{i}", after.GetShardForKey(reader.GetValue(0)).Name);
            }
        }

        Assert.Equal(4_500, seen);
    }

    [Theory]
    [InlineData("users; DROP TABLE x", "id")]
    [InlineData("users", "id--")]
    [InlineData("a.b.c", "id")]
    public void Table_and_column_names_must_be_plain_identifiers(string table, string column)
    {
        Assert.Throws<ArgumentException>(() => new ReshardingTable(table, column));
    }

    private static async Task<HashSet<string>> SurvivingIdsAsync(IEnumerable<string> connectionStrings)
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var connectionString in connectionStrings)
        {
            ids.UnionWith(await Users.AllIdsAsync(connectionString));
        }

        return ids;
    }

    /// <summary>Runs an action synchronously when the given number of batches has been committed.</summary>
    private sealed class AfterBatches(int count, Action action) : IProgress<ReshardingBatch>
    {
        private int _seen;

        public void Report(ReshardingBatch value)
        {
            if (Interlocked.Increment(ref _seen) == count)
            {
                action();
            }
        }
    }
}
