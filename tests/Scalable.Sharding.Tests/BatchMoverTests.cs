using Npgsql;
using Scalable.Sharding.Tests.Support;
using Scalable.TestSupport;

namespace Scalable.Sharding.Tests;

// The batch mover deletes at the source only the rows it locked and copied, never every key its scan passed.
[Collection("Resharding")]
public sealed class BatchMoverTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    private const long Hook = 4242;

    [Fact]
    public async Task Rows_inserted_at_the_source_after_the_scan_and_before_the_delete_are_not_deleted()
    {
        var databases = await postgres.Server.CreateDatabasesAsync(4, "batch");
        await using var scenario = await ReshardingScenario.CreateAsync(databases, 300);
        await using var source = new NpgsqlConnection(databases[0]);
        await source.OpenAsync();

        // A scanned key that a writer holds when the batch locks, deletes (so the batch's lock skips it) and inserts again
        // while the batch copies: deleting the scanned keys instead of the locked ones would delete it uncopied.
        var reborn = scenario.Ids.First(id => scenario.Before.GetShard(id).Name == "shard0" && scenario.After.GetShard(id).Name == "shard3");
        await using var writer = await source.BeginTransactionAsync();
        await Users.ExecuteAsync(source, $"SELECT * FROM users WHERE id = '{reborn}' FOR UPDATE");

        // The hook: the batch's copy into the target waits on an advisory lock the test holds, after the source rows are locked.
        await using var target = new NpgsqlConnection(databases[3]);
        await target.OpenAsync();
        await Users.ExecuteAsync(target, $"""
            CREATE FUNCTION wait_for_test() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_advisory_xact_lock({Hook}); RETURN NULL; END $$;
            CREATE TRIGGER wait_for_test AFTER INSERT ON users FOR EACH STATEMENT EXECUTE FUNCTION wait_for_test();
            SELECT pg_advisory_lock({Hook});
            """);
        var moving = scenario.Mover(batchSize: 1_000).MoveAsync(ReshardingScenario.Table);
        await using (var observer = new NpgsqlConnection(databases[0]))
        {
            await observer.OpenAsync();
            await Eventually.TrueAsync(
                async () =>
                {
                    await using var blocked = new NpgsqlCommand("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'", observer);
                    return (long)(await blocked.ExecuteScalarAsync())! == 1;
                },
                TimeSpan.FromSeconds(60),
                "the batch waiting for the writer's row");
        }

        await Users.ExecuteAsync(source, $"DELETE FROM users WHERE id = '{reborn}'");
        await writer.CommitAsync();
        await Eventually.TrueAsync(
            async () =>
            {
                await using var waiting = new NpgsqlCommand($"SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = {Hook} AND NOT granted", target);
                return (long)(await waiting.ExecuteScalarAsync())! == 1;
            },
            TimeSpan.FromSeconds(60),
            "the first batch waiting at the hook");

        // A key the scan of shard0 already passed (it sorts between scanned keys) and that moves to shard3 like the batch.
        var late = Enumerable.Range(0, 1_000).Select(i => $"user:00000x{i}")
            .First(id => scenario.Before.GetShard(id).Name == "shard0" && scenario.After.GetShard(id).Name == "shard3");
        await Users.ExecuteAsync(source, $"INSERT INTO users (id, name, score) VALUES ('{late}', 'late', 7), ('{reborn}', 'reborn', 8)");

        await Users.ExecuteAsync(target, $"SELECT pg_advisory_unlock({Hook})");
        var report = await moving.WaitAsync(TimeSpan.FromSeconds(60));

        Assert.True(report.RowsMoved > 0);
        Assert.Contains(late, await Users.AllIdsAsync(databases[0]));
        Assert.Contains(reborn, await Users.AllIdsAsync(databases[0]));
        Assert.DoesNotContain(late, await Users.AllIdsAsync(databases[3]));
        Assert.DoesNotContain(reborn, await Users.AllIdsAsync(databases[3]));

        // Still a row of the move: the next run moves it, once.
        await scenario.Mover(batchSize: 1_000).MoveAsync(ReshardingScenario.Table);
        Assert.DoesNotContain(late, await Users.AllIdsAsync(databases[0]));
        Assert.Single(await Users.AllIdsAsync(databases[3]), id => id == late);
        Assert.Single(await Users.AllIdsAsync(databases[3]), id => id == reborn);
    }
}
