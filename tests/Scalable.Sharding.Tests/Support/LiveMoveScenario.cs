using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using Scalable.TestSupport;

namespace Scalable.Sharding.Tests.Support;

/// <summary>
/// Three shards of users growing to four under a <see cref="ShardMove"/>, seen by two "processes": the application's
/// container and the operator's, each with its own view of the move.
/// </summary>
internal sealed class LiveMoveScenario : IAsyncDisposable
{
    public static readonly TimeSpan Generous = TimeSpan.FromSeconds(60);

    private readonly ServiceProvider _application;
    private readonly ServiceProvider _operations;

    private LiveMoveScenario(IReadOnlyList<string> databases, List<string> ids, ServiceProvider application, ServiceProvider operations)
    {
        Databases = databases;
        Ids = ids;
        _application = application;
        _operations = operations;
        App = application.GetRequiredService<ShardedDatabase>();
        Ops = operations.GetRequiredService<ShardedDatabase>();
        From = Ops.Topology;
        To = ShardTopology.Create(databases.Select((cs, i) => new ShardDefinition($"shard{i}", cs)), From.RouterKind, version: From.Version + 1);
    }

    /// <summary>The four shard databases; the fourth is empty until the move.</summary>
    public IReadOnlyList<string> Databases { get; }

    public List<string> Ids { get; }

    /// <summary>The application's database, configured by the caller (refresh interval, fence wait).</summary>
    public ShardedDatabase App { get; }

    /// <summary>The operator's database, which runs the moves.</summary>
    public ShardedDatabase Ops { get; }

    public ShardTopology From { get; }

    public ShardTopology To { get; }

    /// <summary>Creates the four databases and the users table on each, and writes the users to the first three through the router.</summary>
    public static async Task<LiveMoveScenario> CreateAsync(
        PostgresServer server,
        string name,
        int users,
        Action<ScalableShardingOptions>? application = null,
        Action<ScalableShardingBuilder>? applicationServices = null)
    {
        var databases = await server.CreateDatabasesAsync(4, name);
        await Users.CreateTablesAsync(databases);
        var scenario = new LiveMoveScenario(
            databases,
            Users.Ids(users).ToList(),
            ShardedDatabases.Build(databases.Take(3).ToList(), application, applicationServices),
            ShardedDatabases.Build(databases.Take(3).ToList()));
        await Users.WriteThroughRouterAsync(scenario.App, scenario.Ids);
        return scenario;
    }

    /// <summary>A scenario for fence tests: the application refreshes its view of a move every 100 ms and waits 500 ms at a fence.</summary>
    public static Task<LiveMoveScenario> CreateForFenceAsync(PostgresServer server, string name) => CreateAsync(server, name, 1_000, o =>
    {
        o.MoveRefreshInterval = TimeSpan.FromMilliseconds(100);
        o.MoveFenceWait = TimeSpan.FromMilliseconds(500);
    });

    /// <summary>The first user whose owner changes.</summary>
    public string MovingKey() => Ids.First(i => From.GetShard(i).Name != To.GetShard(i).Name);

    /// <summary>Starts a move in small batches that waits, paused, in its copy phase; the test plays the cutover by taking the fence itself.</summary>
    public async Task<(ShardMove Move, Task<ShardMoveReport> Running)> StartPausedMoveAsync()
    {
        var move = NewMove(new ShardMoveOptions { BatchSize = 100, ProcessRefreshWait = TimeSpan.FromMilliseconds(300) });
        return (move, await RunPausedAsync(move));
    }

    /// <summary>Another application process over the same three shards (dispose it).</summary>
    public ServiceProvider BuildApplication(Action<ScalableShardingOptions> configure) => ShardedDatabases.Build(Databases.Take(3).ToList(), configure);

    public ShardMove NewMove(ShardMoveOptions options, ILogger<ShardMove>? logger = null) =>
        new(Ops, From, To, [ReshardingScenario.Table], options, logger: logger);

    /// <summary>Runs a move that pauses at its first report, in its copy phase; returns the run once it is paused.</summary>
    public async Task<Task<ShardMoveReport>> RunPausedAsync(ShardMove move)
    {
        var paused = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var reports = 0;
        var running = move.RunAsync(new Synchronous(p =>
        {
            if (Interlocked.Increment(ref reports) == 1)
            {
                ShardMove.PauseAsync(Ops, move.MoveId).GetAwaiter().GetResult();
            }

            if (p.IsPaused)
            {
                paused.TrySetResult();
            }
        }));
        await paused.Task.WaitAsync(Generous);
        return running;
    }

    /// <summary>Waits until the application's process routes by the new topology, without any reload of its own.</summary>
    public Task WaitForApplicationSwitchAsync(string because = "the application saw the switch") => Eventually.TrueAsync(
        async () =>
        {
            await using var connection = await App.OpenConnectionAsync("any");
            return App.Topology.Version == To.Version;
        },
        Generous,
        because);

    /// <summary>Asserts that every acknowledged user is stored exactly once, on its owner in the new topology, with its last score.</summary>
    public async Task AssertEveryAcknowledgedWriteOnceOnItsOwnerAsync(IReadOnlyDictionary<string, long> expected)
    {
        var found = new Dictionary<string, (string Shard, long Score)>(StringComparer.Ordinal);
        for (var i = 0; i < Databases.Count; i++)
        {
            await using var connection = new NpgsqlConnection(Databases[i]);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("SELECT id, score FROM users", connection);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                var id = reader.GetString(0);
                Assert.False(found.ContainsKey(id), $"{id} is on {found.GetValueOrDefault(id).Shard} and on shard{i}.");
                found[id] = ($"shard{i}", reader.GetInt64(1));
            }
        }

        Assert.Equal(expected.Count, found.Count);
        foreach (var (id, score) in expected)
        {
            Assert.True(found.TryGetValue(id, out var row), $"{id} was lost.");
            Assert.Equal(To.GetShard(id).Name, row.Shard);
            Assert.Equal(score, row.Score);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _application.DisposeAsync();
        await _operations.DisposeAsync();
    }

    /// <summary>Reports on the caller's thread, in order, unlike <see cref="Progress{T}"/>.</summary>
    public sealed class Synchronous(Action<ShardMoveProgress> report) : IProgress<ShardMoveProgress>
    {
        public void Report(ShardMoveProgress value) => report(value);
    }
}
