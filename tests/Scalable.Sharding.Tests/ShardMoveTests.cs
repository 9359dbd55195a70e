using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using Scalable.Sharding.Tests.Support;
using Scalable.TestSupport;

namespace Scalable.Sharding.Tests;

[Collection("Resharding")]
public sealed class ShardMoveTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    private static readonly TimeSpan Generous = LiveMoveScenario.Generous;

    [Fact]
    public async Task Three_shards_grow_to_four_under_eight_writers_with_a_crash_and_a_second_mover_and_every_acknowledged_write_ends_once_on_its_owner()
    {
        // The application and the operator are separate "processes": two containers, each with its own view of the move.
        await using var scenario = await LiveMoveScenario.CreateAsync(postgres.Server, "live", 6_000, o => o.MoveRefreshInterval = TimeSpan.FromMilliseconds(200));
        var (app, ops) = (scenario.App, scenario.Ops);
        var options = new ShardMoveOptions { BatchSize = 200, ProcessRefreshWait = TimeSpan.FromSeconds(1) };
        var logs = new CapturingLoggerProvider();
        using var loggerFactory = LoggerFactory.Create(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Debug));
        ShardMove NewMove() => scenario.NewMove(options, loggerFactory.CreateLogger<ShardMove>());

        var writers = new AcknowledgedWriters(app, 8, scenario.Ids);
        var writing = writers.RunAsync();
        await Eventually.TrueAsync(() => writers.Acknowledged > 300, Generous, "the writers are writing");

        // The first mover dies mid-copy (its token is cut, its lock released as the server does for a dead session).
        using var crash = new CancellationTokenSource();
        var beforeCrash = new List<ShardMoveProgress>();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => NewMove().RunAsync(
            new LiveMoveScenario.Synchronous(p =>
            {
                beforeCrash.Add(p);
                if (beforeCrash.Count == 20)
                {
                    crash.Cancel();
                }
            }),
            crash.Token));
        Assert.Equal(ShardMovePhase.Copying, beforeCrash[^1].Phase);

        // A new mover continues from the record; it is paused at its first report, and a second mover is refused meanwhile.
        var move = NewMove();
        var resumed = new ConcurrentQueue<ShardMoveProgress>();
        var paused = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var running = move.RunAsync(new LiveMoveScenario.Synchronous(p =>
        {
            if (resumed.IsEmpty)
            {
                ShardMove.PauseAsync(ops, move.MoveId).GetAwaiter().GetResult();
            }

            resumed.Enqueue(p);
            if (p.IsPaused)
            {
                paused.TrySetResult();
            }
        }));
        await paused.Task.WaitAsync(Generous);
        var second = await Assert.ThrowsAsync<InvalidOperationException>(() => NewMove().RunAsync());
        Assert.Contains("already being run by another mover", second.Message, StringComparison.Ordinal);
        Assert.True(await ShardMove.ResumeAsync(ops, move.MoveId));
        ShardMoveReport report;
        try
        {
            report = await running.WaitAsync(Generous);
        }
        catch (TimeoutException)
        {
            Assert.Fail(string.Join("\n", logs.Events.TakeLast(20).Select(e => e.Message)) + "\n" + string.Join("\n", resumed.TakeLast(5)) + $"\nacknowledged {writers.Acknowledged}");
            throw;
        }

        // The application's process routes by the new topology without any reload of its own.
        await scenario.WaitForApplicationSwitchAsync();
        await Task.Delay(300);
        writers.Stop();
        await writing;

        Assert.Empty(writers.Lost);
        Assert.True(resumed.First().RowsCopied >= beforeCrash[^1].RowsCopied, "the resumed mover did not continue from the record.");
        Assert.True(resumed.First().RangesDone >= 1, "the resumed mover copied again a range finished before the crash.");
        Assert.Contains(resumed, p => p.Phase == ShardMovePhase.Switched);
        Assert.Equal(report.RowsCopied, report.RowsVerified);
        Assert.All(new[] { 10, 11, 12, 14 }, id => Assert.Contains(logs.Events, e => e.Id.Id == id));
        Assert.True(report.RowsRemovedFromSources > 1_000, $"only {report.RowsRemovedFromSources} rows were removed from the sources.");
        await scenario.AssertEveryAcknowledgedWriteOnceOnItsOwnerAsync(writers.Expected);
    }

    [Fact]
    public async Task Another_process_reads_moved_rows_through_the_normal_api_and_routes_by_the_new_topology_after_the_switch()
    {
        var logs = new CapturingLoggerProvider();
        await using var scenario = await LiveMoveScenario.CreateAsync(
            postgres.Server,
            "observe",
            1_000,
            o => o.MoveRefreshInterval = TimeSpan.FromMilliseconds(100),
            b => b.Services.AddLogging(l => l.AddProvider(logs).SetMinimumLevel(LogLevel.Debug)));
        var (app, ids, from, to) = (scenario.App, scenario.Ids, scenario.From, scenario.To);
        var moving = ids.Where(id => from.GetShard(id).Name != to.GetShard(id).Name).ToList();
        var measured = new ConcurrentDictionary<string, double>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "Scalable.Sharding" && instrument.Name.StartsWith("scalable.sharding.move.", StringComparison.Ordinal))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((i, v, _, _) => measured.AddOrUpdate(i.Name, v, (_, sum) => sum + v));
        listener.SetMeasurementEventCallback<double>((i, v, _, _) => measured.AddOrUpdate(i.Name, 1, (_, count) => count + 1));
        listener.Start();

        await scenario.NewMove(new ShardMoveOptions { ProcessRefreshWait = TimeSpan.FromMilliseconds(300) }).RunAsync();

        await scenario.WaitForApplicationSwitchAsync("the application saw the switch: " + string.Join(" | ", logs.Events.Select(e => e.Message)));
        foreach (var id in moving.Take(100))
        {
            await using var connection = await app.OpenConnectionAsync(id);
            Assert.Equal($"name of {id}", await Users.ReadNameAsync(connection, id));
        }

        Assert.Equal(ids.Count, (await app.ScatterGatherAsync(CountAsync)).ThrowIfIncomplete().Values.Sum());
        Assert.Equal(4, app.Topology.Shards.Count);
        Assert.Equal(moving.Count, measured["scalable.sharding.move.rows_copied"]);
        Assert.Equal(moving.Count, measured["scalable.sharding.move.rows_verified"]);
        Assert.Equal(3, measured["scalable.sharding.move.ranges"]);
        Assert.Equal(1, measured["scalable.sharding.move.fence.duration"]);
    }

    [Fact]
    public async Task A_write_held_at_the_cutover_fence_waits_then_writes_and_one_held_too_long_fails_retryably_writing_nothing()
    {
        // The move waits, paused, in its copy phase; the test plays the cutover by taking the fence on the key's source.
        await using var scenario = await LiveMoveScenario.CreateForFenceAsync(postgres.Server, "fence");
        var (app, to, id) = (scenario.App, scenario.To, scenario.MovingKey());
        var source = scenario.From.GetShard(id);
        var (move, running) = await scenario.StartPausedMoveAsync();
        await using var fence = new NpgsqlConnection(source.ConnectionString);
        await fence.OpenAsync();
        Assert.True(await Scalable.Sharding.Internal.Moves.SourceCapture.FenceAsync(fence, move.MoveId, TimeSpan.FromSeconds(30), CancellationToken.None));
        var increments = 0;
        ShardMoveInProgressException? refused = null;
        await Eventually.TrueAsync(
            async () =>
            {
                var before = await Users.ScoreAsync(source.ConnectionString, id);
                try
                {
                    await app.WriteAsync(id, (connection, token) => Users.IncrementScoreAsync(connection, id, token));
                    increments++;
                    return false;
                }
                catch (ShardMoveInProgressException ex)
                {
                    Assert.Equal(before, await Users.ScoreAsync(source.ConnectionString, id));
                    refused = ex;
                    return true;
                }
            },
            Generous,
            "a write refused at the fence");
        Assert.Equal(move.MoveId, refused!.MoveId);
        Assert.Contains("retry", refused.Message, StringComparison.Ordinal);

        // A patient process (a long MoveFenceWait) whose view of the move is fresh waits at the fence instead.
        await using var patientProvider = scenario.BuildApplication(o =>
        {
            o.MoveRefreshInterval = TimeSpan.FromSeconds(5);
            o.MoveFenceWait = Generous;
        });
        var patient = patientProvider.GetRequiredService<ShardedDatabase>();
        await (await patient.OpenConnectionAsync(id)).DisposeAsync();
        var waiting = patient.WriteAsync(id, (connection, token) => Users.IncrementScoreAsync(connection, id, token));
        await Task.Delay(200);
        await Scalable.Sharding.Internal.Moves.SourceCapture.UnfenceAsync(fence, move.MoveId);
        Assert.Equal(1, await waiting.WaitAsync(Generous));
        increments++;

        Assert.True(await ShardMove.ResumeAsync(scenario.Ops, move.MoveId));
        await running.WaitAsync(Generous);
        Assert.Equal(Users.InitialScore(id) + increments, await Users.ScoreAsync(to.GetShard(id).ConnectionString, id));
        Assert.Null(await Users.ScoreAsync(source.ConnectionString, id));
    }

    [Fact]
    public void A_move_needs_tables_a_newer_version_and_the_same_first_shard()
    {
        var one = ShardTopology.Create([new ShardDefinition("a", "Host=x"), new ShardDefinition("b", "Host=y")]);
        var two = ShardTopology.Create([new ShardDefinition("a", "Host=x"), new ShardDefinition("b", "Host=y"), new ShardDefinition("c", "Host=z")], version: 2);
        var reordered = ShardTopology.Create([new ShardDefinition("b", "Host=y"), new ShardDefinition("a", "Host=x")], version: 2);
        using var provider = ShardedDatabases.Build(["Host=x"]);
        var database = provider.GetRequiredService<ShardedDatabase>();

        Assert.Throws<ArgumentException>(() => new ShardMove(database, one, two, []));
        Assert.Throws<ArgumentException>(() => new ShardMove(database, two, one, [ReshardingScenario.Table]));
        Assert.Throws<ArgumentException>(() => new ShardMove(database, one, reordered, [ReshardingScenario.Table]));
        Assert.Equal(new ShardMove(database, one, two, [ReshardingScenario.Table]).MoveId, new ShardMove(database, one, two, [ReshardingScenario.Table]).MoveId);
    }

    private static async Task<long> CountAsync(NpgsqlConnection connection, ShardDefinition shard, CancellationToken token)
    {
        await using var command = new NpgsqlCommand("SELECT count(*) FROM users", connection);
        return (long)(await command.ExecuteScalarAsync(token))!;
    }
}
