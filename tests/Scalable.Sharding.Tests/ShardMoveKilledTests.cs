using System.Collections.Concurrent;
using Npgsql;
using Scalable.Sharding.Tests.Support;
using Scalable.TestSupport;

namespace Scalable.Sharding.Tests;

// The mover's process is killed with SIGKILL mid-copy (no finally, no unlock, no polite close), as a crash or an OOM kill does.
[Collection("Resharding")]
public sealed class ShardMoveKilledTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    private static readonly TimeSpan Generous = LiveMoveScenario.Generous;

    [Fact]
    public async Task A_mover_process_killed_mid_copy_under_writers_is_resumed_by_a_new_mover_from_its_record_and_loses_no_acknowledged_write()
    {
        await using var scenario = await LiveMoveScenario.CreateAsync(postgres.Server, "killed", 3_000, o => o.MoveRefreshInterval = TimeSpan.FromMilliseconds(200));
        var databases = scenario.Databases;
        var writers = new AcknowledgedWriters(scenario.App, 8, scenario.Ids);
        var writing = writers.RunAsync();
        await Eventually.TrueAsync(() => writers.Acknowledged > 200, Generous, "the writers are writing");

        // The child stops inside its first report after a whole range is copied, holding the move's lock, and is killed there.
        using (var mover = await TestHostProcess.StartAsync("copying", ["shard-mover", "50", .. databases]))
        {
            mover.Kill();
        }

        var killedAt = await RecordAsync(databases[0]);
        Assert.Equal(nameof(ShardMovePhase.Copying), killedAt.Phase);
        Assert.True(killedAt.RangesCopied >= 1, "the child copied no whole range before it was killed.");

        // The dead session's lock goes with its connection; a new mover (here, the operator's) continues the move.
        var move = scenario.NewMove(new ShardMoveOptions { BatchSize = 200, ProcessRefreshWait = TimeSpan.FromSeconds(1) });
        var resumed = new ConcurrentQueue<ShardMoveProgress>();
        ShardMoveReport? report = null;
        await Eventually.TrueAsync(
            async () =>
            {
                try
                {
                    using var deadline = new CancellationTokenSource(Generous);
                    report = await move.RunAsync(new LiveMoveScenario.Synchronous(resumed.Enqueue), deadline.Token);
                    return true;
                }
                catch (InvalidOperationException ex) when (ex.Message.Contains("already being run", StringComparison.Ordinal))
                {
                    return false;
                }
            },
            Generous,
            "the killed mover's lock was released");

        await scenario.WaitForApplicationSwitchAsync();
        await Task.Delay(300);
        writers.Stop();
        await writing.WaitAsync(Generous);

        Assert.Empty(writers.Lost);

        // Resumed, not restarted: ranges the killed mover finished are not scanned again, and its copied rows stay counted.
        Assert.True(resumed.First().RangesDone >= killedAt.RangesCopied, $"the resumed mover started at {resumed.First().RangesDone} ranges, the record had {killedAt.RangesCopied}.");
        Assert.True(resumed.First().RowsCopied >= killedAt.Copied, $"the resumed mover counted {resumed.First().RowsCopied} rows, the record had {killedAt.Copied}.");
        Assert.True(killedAt.Copied > 0);
        Assert.Equal(report!.RowsCopied, report.RowsVerified);
        Assert.Equal(nameof(ShardMovePhase.Completed), (await RecordAsync(databases[0])).Phase);
        await scenario.AssertEveryAcknowledgedWriteOnceOnItsOwnerAsync(writers.Expected);
    }

    // The move record the killed mover left on the first shard: its phase, rows copied, and ranges finished.
    private static async Task<(string Phase, long Copied, long RangesCopied)> RecordAsync(string firstShard)
    {
        await using var connection = new NpgsqlConnection(firstShard);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT m.phase, m.rows_copied, (SELECT count(*) FROM scalable_move_ranges r WHERE r.move_id = m.move_id AND r.copied) FROM scalable_moves m",
            connection);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync(), "no move record");
        return (reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2));
    }
}
