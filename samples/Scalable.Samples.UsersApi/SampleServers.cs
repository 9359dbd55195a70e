using Scalable.TestSupport;

namespace Scalable.Samples.UsersApi;

/// <summary>The servers the sample talks to: the configured ones, or local ones it starts itself for the one-command demo.</summary>
internal sealed class SampleServers : IAsyncDisposable
{
    public const string Topic = "users";
    private readonly List<IAsyncDisposable> _owned = [];

    public string Redis { get; private set; } = string.Empty;

    public IReadOnlyList<string> Shards { get; private set; } = [];

    public string Kafka { get; private set; } = string.Empty;

    // Sample:Redis (host:port), Sample:Shards (connection strings), Sample:Kafka (bootstrap servers); each missing one is started here.
    public static async Task<SampleServers> StartAsync(IConfiguration configuration)
    {
        var servers = new SampleServers();
        try
        {
            servers.Redis = configuration["Sample:Redis"] ?? await servers.StartRedisAsync();
            var shards = configuration.GetSection("Sample:Shards").Get<string[]>();
            servers.Shards = shards is { Length: > 0 } ? shards : await servers.StartPostgresAsync(configuration.GetValue("Sample:LocalShardCount", 3));
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

    // Each shard is its own PostgreSQL server, so one shard can fail alone as it does in production.
    private async Task<IReadOnlyList<string>> StartPostgresAsync(int shardCount)
    {
        var servers = await Task.WhenAll(Enumerable.Range(0, shardCount).Select(_ => PostgresServer.StartLocalAsync()));
        _owned.AddRange(servers);
        return await Task.WhenAll(servers.Select((server, i) => server.CreateDatabaseAsync($"users_shard{i}")));
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
