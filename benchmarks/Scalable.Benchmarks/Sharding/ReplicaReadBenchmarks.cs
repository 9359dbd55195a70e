using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Scalable.Sharding;
using Scalable.TestSupport;

namespace Scalable.Benchmarks.Sharding;

// Read throughput over a local primary with 0, 1 or 2 hot standbys (streaming replication on loopback, all on the
// same 2 cores): 8 concurrent readers, each opening a connection through ShardedDatabase and reading one row by key.
// Per operation = per read. Then the cost of read-your-writes: a write followed by a read of it, either on the
// primary (baseline) or with the write's token on a standby. Short run, in process: the generated project's build
// outlasts BenchmarkDotNet's build timeout when the machine is busy, and the servers are other processes anyway.
[Config(typeof(InProcessShortRun))]
public class ReplicaReadBenchmarks
{
    private const int Readers = 8;
    private const int ReadsPerReader = 64;
    private PostgresReplicaSet _set = null!;
    private ServiceProvider _provider = null!;
    private ShardedDatabase _database = null!;
    private ReadYourWritesToken _caughtUp;
    private int _version;

    [Params(0, 1, 2)]
    public int Standbys { get; set; }

    [GlobalSetup]
    public void Setup() => SetupAsync().GetAwaiter().GetResult();

    [GlobalCleanup]
    public void Cleanup()
    {
        _provider.Dispose();
        _set.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Readers * ReadsPerReader)]
    public Task PrimaryReads() => ReadConcurrentlyAsync(() => _database.OpenConnectionAsync(Key(0), ShardAccess.Primary));

    [Benchmark(OperationsPerInvoke = Readers * ReadsPerReader)]
    public Task ReplicaReads() => ReadConcurrentlyAsync(() => _database.OpenConnectionAsync(Key(0), ShardAccess.ReadReplica));

    // A token the standbys are known (from the cached probe) to have replayed: no extra query.
    [Benchmark(OperationsPerInvoke = Readers * ReadsPerReader)]
    public Task TokenReadsCaughtUp() => ReadConcurrentlyAsync(() => _database.OpenReadConnectionAsync(Key(0), _caughtUp));

    [Benchmark]
    public async Task<int> WriteThenReadOnPrimary()
    {
        await using (var connection = await _database.OpenConnectionAsync(Key(1)))
        {
            await WriteAsync(connection);
        }

        await using var read = await _database.OpenConnectionAsync(Key(1), ShardAccess.Primary);
        return await ReadAsync(read);
    }

    // The token is past what the probe last saw, so the standby is asked for its replay position (and waited for,
    // if it has not replayed the write yet), or the read goes to the primary when there is no standby.
    [Benchmark]
    public async Task<int> WriteThenReadWithToken()
    {
        ReadYourWritesToken token;
        await using (var connection = await _database.OpenConnectionAsync(Key(1)))
        {
            await WriteAsync(connection);
            token = await _database.GetReadYourWritesTokenAsync(connection, _database.Topology.Shards[0]);
        }

        await using var read = await _database.OpenReadConnectionAsync(Key(1), token);
        return await ReadAsync(read);
    }

    private static string Key(int id) => $"row:{id}";

    private static async Task<int> ReadAsync(NpgsqlConnection connection)
    {
        await using var command = new NpgsqlCommand("SELECT version FROM bench WHERE id = 1", connection);
        return (int)(await command.ExecuteScalarAsync())!;
    }

    private async Task WriteAsync(NpgsqlConnection connection)
    {
        await using var command = new NpgsqlCommand($"UPDATE bench SET version = {++_version} WHERE id = 1", connection);
        await command.ExecuteNonQueryAsync();
    }

    private static Task ReadConcurrentlyAsync(Func<ValueTask<NpgsqlConnection>> open) =>
        Task.WhenAll(Enumerable.Range(0, Readers).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < ReadsPerReader; i++)
            {
                await using var connection = await open();
                await ReadAsync(connection);
            }
        })));

    private async Task SetupAsync()
    {
        _set = await PostgresReplicaSet.StartAsync(Standbys);
        var primary = await _set.CreateDatabaseAsync("bench");
        await using (var connection = new NpgsqlConnection(primary))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("CREATE TABLE bench (id int PRIMARY KEY, version int NOT NULL); INSERT INTO bench VALUES (1, 0)", connection);
            await command.ExecuteNonQueryAsync();
        }

        await _set.WaitForStandbysAsync();
        _provider = new ServiceCollection().AddScalableSharding(options =>
        {
            options.Shards.Add(new ShardOptions { Name = "shard0", ConnectionString = primary });
            foreach (var standby in _set.Standbys)
            {
                options.Shards[0].ReadReplicas.Add(standby.Redirect(primary));
            }
        }).Services.BuildServiceProvider();
        _database = _provider.GetRequiredService<ShardedDatabase>();
        _caughtUp = await _database.GetReadYourWritesTokenAsync(Key(0));

        // Let the probe see the standbys past the token, and warm every pool.
        await Task.Delay(TimeSpan.FromSeconds(2));
        await ReplicaReads();
        await TokenReadsCaughtUp();
    }

    private sealed class InProcessShortRun : ManualConfig
    {
        public InProcessShortRun() => AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance));
    }
}
