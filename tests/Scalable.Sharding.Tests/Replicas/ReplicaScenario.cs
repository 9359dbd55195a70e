using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using Scalable.Sharding.Tests.Support;
using Scalable.TestSupport;

namespace Scalable.Sharding.Tests.Replicas;

/// <summary>One shard on a replica set: a fresh database with a one-row table, and the real DI registration over the primary and the chosen standbys.</summary>
internal sealed class ReplicaScenario : IAsyncDisposable
{
    public const string Key = "profile:1";

    private ReplicaScenario(PostgresReplicaSet set, string primary, ServiceProvider provider, CapturingLoggerProvider logs)
    {
        Logs = logs;
        Set = set;
        PrimaryConnectionString = primary;
        Provider = provider;
        Database = provider.GetRequiredService<ShardedDatabase>();
    }

    public PostgresReplicaSet Set { get; }

    public string PrimaryConnectionString { get; }

    public ServiceProvider Provider { get; }

    public ShardedDatabase Database { get; }

    public CapturingLoggerProvider Logs { get; }

    public ShardDefinition Shard => Database.Topology.Shards[0];

    public static async Task<ReplicaScenario> CreateAsync(PostgresReplicaSet set, IEnumerable<PostgresServer> standbys, Action<ScalableShardingOptions>? configure = null, Func<string, string>? writeTo = null)
    {
        var primary = await set.CreateDatabaseAsync("replicas");
        await using (var connection = new NpgsqlConnection(primary))
        {
            await connection.OpenAsync();
            await Users.ExecuteAsync(connection, "CREATE TABLE profile (id int PRIMARY KEY, version int NOT NULL); INSERT INTO profile VALUES (1, 0)");
        }

        await set.WaitForStandbysAsync();
        var replicas = standbys.Select(s => s.Redirect(primary)).ToList();
        var logs = new CapturingLoggerProvider();
        var provider = new ServiceCollection()
            .AddLogging(logging => logging.AddProvider(logs).SetMinimumLevel(LogLevel.Debug))
            .AddMetrics()
            .AddScalableSharding(options =>
            {
                options.Shards.Add(new ShardOptions { Name = "shard0", ConnectionString = writeTo?.Invoke(primary) ?? primary });
                foreach (var replica in replicas)
                {
                    options.Shards[0].ReadReplicas.Add(replica);
                }

                configure?.Invoke(options);
            }).Services.BuildServiceProvider();
        return new ReplicaScenario(set, primary, provider, logs);
    }

    /// <summary>Sets the row's version on the primary, through the library, and returns the read-your-writes token taken after the commit.</summary>
    public async Task<ReadYourWritesToken> WriteAsync(int version)
    {
        await using var connection = await Database.OpenConnectionAsync(Key);
        await Users.ExecuteAsync(connection, $"UPDATE profile SET version = {version} WHERE id = 1");
        return await Database.GetReadYourWritesTokenAsync(connection, Shard);
    }

    /// <summary>Reads the row's version and which server answered (its port), on a connection the library chose.</summary>
    public static async Task<(int Port, int Version)> ReadAsync(NpgsqlConnection connection, CancellationToken cancellationToken = default)
    {
        await using var command = new NpgsqlCommand("SELECT inet_server_port(), version FROM profile WHERE id = 1", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return (reader.GetInt32(0), reader.GetInt32(1));
    }

    /// <summary>A replica read (<see cref="ShardAccess.ReadReplica"/>): which server answered, and the version it saw.</summary>
    public async Task<(int Port, int Version)> ReplicaReadAsync()
    {
        await using var connection = await Database.OpenConnectionAsync(Key, ShardAccess.ReadReplica);
        return await ReadAsync(connection);
    }

    public async ValueTask DisposeAsync()
    {
        await Provider.DisposeAsync();
        foreach (var standby in Set.Standbys.Where(s => s.IsStandby))
        {
            await standby.ResumeReplayAsync();
        }
    }
}
