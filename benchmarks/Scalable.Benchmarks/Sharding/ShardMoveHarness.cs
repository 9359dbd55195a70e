using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Scalable.Sharding;
using Scalable.TestSupport;

namespace Scalable.Benchmarks.Sharding;

/// <summary>
/// A one-shot harness, not a BenchmarkDotNet run: a move is minutes of I/O, not a hot path. It grows 3 local PostgreSQL
/// shards to 4 while writers update random users through <see cref="ShardedDatabase.WriteAsync{T}(string, Func{NpgsqlConnection, CancellationToken, Task{T}}, CancellationToken)"/>,
/// and prints rows copied per second and the longest pause any writer saw. Run with
/// <c>dotnet run -c Release --project benchmarks/Scalable.Benchmarks -- shard-move [rows] [writers]</c>.
/// </summary>
internal static class ShardMoveHarness
{
    public static async Task RunAsync(int rows, int writers)
    {
        await using var server = await PostgresServer.StartLocalAsync();
        var databases = await server.CreateDatabasesAsync(4, "move");
        foreach (var database in databases)
        {
            await using var connection = new NpgsqlConnection(database);
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand("CREATE TABLE users (id text PRIMARY KEY, name text NOT NULL, score bigint NOT NULL)", connection);
            await create.ExecuteNonQueryAsync();
        }

        await using var provider = new ServiceCollection().AddScalableSharding(o =>
        {
            for (var i = 0; i < 3; i++)
            {
                o.Shards.Add(new ShardOptions { Name = $"shard{i}", ConnectionString = databases[i] });
            }

            o.MoveRefreshInterval = TimeSpan.FromMilliseconds(250);
        }).Services.BuildServiceProvider();
        var db = provider.GetRequiredService<ShardedDatabase>();
        var ids = Enumerable.Range(0, rows).Select(i => $"user:{i:D7}").ToArray();
        foreach (var group in ids.GroupBy(id => db.Topology.GetShard(id)))
        {
            await using var connection = await db.OpenConnectionAsync(group.Key);
            await using var import = await connection.BeginBinaryImportAsync("COPY users (id, name, score) FROM STDIN (FORMAT BINARY)");
            foreach (var id in group)
            {
                await import.WriteRowAsync(default, id, "name of " + id, 0L);
            }

            await import.CompleteAsync();
        }

        var from = db.Topology;
        var to = ShardTopology.Create(databases.Select((cs, i) => new ShardDefinition($"shard{i}", cs)), from.RouterKind, version: 2);
        using var stop = new CancellationTokenSource();
        long writes = 0, longestTicks = 0, fenced = 0;
        var writing = Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
        {
            var random = new Random(w);
            while (!stop.IsCancellationRequested)
            {
                var id = ids[random.Next(ids.Length)];
                var started = Stopwatch.GetTimestamp();
                try
                {
                    await db.WriteAsync(id, async (connection, token) =>
                    {
                        await using var update = new NpgsqlCommand("UPDATE users SET score = score + 1 WHERE id = @id", connection);
                        update.Parameters.AddWithValue("id", id);
                        return await update.ExecuteNonQueryAsync(token);
                    });
                    Interlocked.Increment(ref writes);
                }
                catch (ShardMoveInProgressException)
                {
                    Interlocked.Increment(ref fenced);
                }

                var took = Stopwatch.GetTimestamp() - started;
                long seen;
                while (took > (seen = Interlocked.Read(ref longestTicks)) && Interlocked.CompareExchange(ref longestTicks, took, seen) != seen)
                {
                }
            }
        })).ToArray();

        await Task.Delay(1_000);
        Interlocked.Exchange(ref longestTicks, 0);
        var copyStarted = Stopwatch.GetTimestamp();
        var copyEnded = 0L;
        var report = await new ShardMove(db, from, to, [new ReshardingTable("users", "id")], new ShardMoveOptions { ProcessRefreshWait = TimeSpan.FromSeconds(1) })
            .RunAsync(new Synchronous(p =>
            {
                if (p.Phase == ShardMovePhase.Cutover && copyEnded == 0)
                {
                    copyEnded = Stopwatch.GetTimestamp();
                }
            }));
        var total = Stopwatch.GetElapsedTime(copyStarted);
        await stop.CancelAsync();
        await Task.WhenAll(writing);

        var copy = Stopwatch.GetElapsedTime(copyStarted, copyEnded);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"rows={rows} writers={writers} moved={report.RowsRemovedFromSources} copied={report.RowsCopied} verified={report.RowsVerified}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"copy+catch-up {copy.TotalSeconds:0.00} s => {report.RowsCopied / copy.TotalSeconds:0} rows/s; whole move {total.TotalSeconds:0.00} s (incl. 2 x 1 s process waits)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"fence {report.LongestFence.TotalMilliseconds:0} ms; longest writer pause {TimeSpan.FromTicks(longestTicks * TimeSpan.TicksPerSecond / Stopwatch.Frequency).TotalMilliseconds:0} ms; writes {writes}, fenced retries {fenced}"));
    }

    private sealed class Synchronous(Action<ShardMoveProgress> report) : IProgress<ShardMoveProgress>
    {
        public void Report(ShardMoveProgress value) => report(value);
    }
}
