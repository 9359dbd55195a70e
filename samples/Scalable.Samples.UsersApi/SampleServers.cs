using System.Globalization;
using Scalable.TestSupport;

namespace Scalable.Samples.UsersApi;

/// <summary>The servers the sample talks to: the configured ones, or local ones it starts itself for the one-command demo.</summary>
internal sealed class SampleServers : IAsyncDisposable
{
    public const string Topic = "users";
    private readonly List<IAsyncDisposable> _owned = [];

    public string Redis { get; private set; } = string.Empty;

    public IReadOnlyList<string> Shards { get; private set; } = [];

    /// <summary>Gets each shard's hot standbys (connection strings), in shard order; empty lists when a shard has none.</summary>
    public IReadOnlyList<IReadOnlyList<string>> Replicas { get; private set; } = [];

    public string Kafka { get; private set; } = string.Empty;

    // Sample:Redis (host:port), Sample:Shards (connection strings), Sample:Replicas:i (shard i's standbys), Sample:Kafka
    // (bootstrap servers); each missing one is started here: Sample:LocalShardCount servers (3), each with
    // Sample:Standbys streaming standbys (1; 0 for none).
    public static async Task<SampleServers> StartAsync(IConfiguration configuration)
    {
        var servers = new SampleServers();
        try
        {
            servers.Redis = configuration["Sample:Redis"] ?? await servers.StartRedisAsync();
            var shards = configuration.GetSection("Sample:Shards").Get<string[]>();
            if (shards is { Length: > 0 })
            {
                servers.Shards = shards;
                servers.Replicas = shards
                    .Select((_, i) => (IReadOnlyList<string>)(configuration.GetSection(string.Create(CultureInfo.InvariantCulture, $"Sample:Replicas:{i}")).Get<string[]>() ?? []))
                    .ToList();
            }
            else
            {
                await servers.StartPostgresAsync(configuration.GetValue("Sample:LocalShardCount", 3), configuration.GetValue("Sample:Standbys", 1));
            }

            servers.Kafka = configuration["Sample:Kafka"] ?? servers.StartKafka();
            return servers;
        }
        catch
        {
            await servers.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var owned in Enumerable.Reverse(_owned))
        {
            await owned.DisposeAsync();
        }

        _owned.Clear();
    }

    private async Task<string> StartRedisAsync()
    {
        var redis = await RedisServer.StartLocalAsync();
        _owned.Add(redis);
        return redis.Endpoint;
    }

    // Each shard is its own PostgreSQL server (so one shard can fail alone, as in production) with its own hot standbys,
    // which follow it by streaming replication.
    private async Task StartPostgresAsync(int shardCount, int standbys)
    {
        var sets = await Task.WhenAll(Enumerable.Range(0, shardCount).Select(_ => PostgresReplicaSet.StartAsync(standbys)));
        _owned.AddRange(sets);
        Shards = await Task.WhenAll(sets.Select((set, i) => set.CreateDatabaseAsync($"users_shard{i}")));
        Replicas = sets.Select((set, i) => (IReadOnlyList<string>)set.Standbys.Select(s => s.Redirect(Shards[i])).ToList()).ToList();
    }

    private string StartKafka()
    {
        var cluster = KafkaMockCluster.StartLocal(brokers: 1);
        _owned.Add(new DisposeAdapter(cluster));
        cluster.CreateTopic(Topic, partitions: 4);
        return cluster.BootstrapServers;
    }

    private sealed class DisposeAdapter(IDisposable inner) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            inner.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
