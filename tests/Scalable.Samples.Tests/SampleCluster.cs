using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Scalable.Samples.UsersApi;
using Scalable.TestSupport;

namespace Scalable.Samples.Tests;

/// <summary>The servers the sample's instances share, started once for the whole test collection: Redis, one PostgreSQL server per shard
/// with one hot standby each (streaming replication) and a Kafka mock cluster; tests stop and restart them.</summary>
/// <remarks>Instances read only the primaries unless created with <see cref="ReplicaSettings"/>, so the other tests see every write at once.</remarks>
public sealed class SampleCluster : IAsyncLifetime
{
    public const int ShardCount = 3;
    private readonly List<SampleInstance> _instances = [];
    private KafkaMockCluster? _kafka;
    private IReadOnlyList<PostgresReplicaSet> _replicaSets = [];

    /// <summary>Gets the Redis server.</summary>
    public RedisServer Redis { get; private set; } = null!;

    /// <summary>Gets the PostgreSQL servers, one per shard, in shard order.</summary>
    public IReadOnlyList<PostgresServer> ShardServers { get; private set; } = [];

    /// <summary>Gets the shard connection strings, in shard order.</summary>
    public IReadOnlyList<string> Shards { get; private set; } = [];

    /// <summary>Gets each shard's hot standby, in shard order.</summary>
    public IReadOnlyList<PostgresServer> Standbys { get; private set; } = [];

    /// <summary>Gets the Kafka bootstrap servers.</summary>
    public string Kafka => _kafka!.BootstrapServers;

    /// <summary>Gets the Kafka mock cluster, for its fault hooks (one broker, id 1).</summary>
    public KafkaMockCluster KafkaCluster => _kafka!;

    /// <summary>Gets the first instance, which runs the events consumer.</summary>
    public SampleInstance A { get; private set; } = null!;

    /// <summary>Gets the second instance, which serves requests only.</summary>
    public SampleInstance B { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var redis = RedisServer.StartLocalAsync();
        var shards = Enumerable.Range(0, ShardCount).Select(_ => PostgresReplicaSet.StartAsync(standbys: 1)).ToArray();
        _kafka = KafkaMockCluster.StartLocal(brokers: 1);
        _kafka.CreateTopic(SampleServers.Topic, partitions: 4);
        Redis = await redis;
        _replicaSets = await Task.WhenAll(shards);
        ShardServers = _replicaSets.Select(set => set.Primary).ToList();
        Standbys = _replicaSets.Select(set => set.Standbys[0]).ToList();
        Shards = await Task.WhenAll(_replicaSets.Select((set, i) => set.CreateDatabaseAsync($"users_shard{i}")));
        A = CreateInstance(("Sample:RunConsumer", "true"));
        B = CreateInstance(("Sample:RunConsumer", "false"));
        _ = A.Server;
        _ = B.Server;
    }

    /// <summary>Returns the settings that give an instance each shard's standby for replica reads.</summary>
    /// <returns>One <c>Sample:Replicas:i:0</c> setting per shard.</returns>
    public (string Key, string Value)[] ReplicaSettings()
        => Standbys.Select((standby, i) => (string.Create(CultureInfo.InvariantCulture, $"Sample:Replicas:{i}:0"), standby.Redirect(Shards[i]))).ToArray();

    /// <summary>Waits until every shard's standby has replayed what its primary has written so far.</summary>
    /// <returns>A task that completes when they have caught up.</returns>
    public async Task WaitForStandbysAsync()
    {
        foreach (var set in _replicaSets)
        {
            await set.WaitForStandbysAsync();
        }
    }

    /// <summary>Starts another instance of the sample on the shared servers.</summary>
    /// <param name="settings">Extra configuration settings.</param>
    /// <returns>The instance.</returns>
    public SampleInstance CreateInstance(params (string Key, string Value)[] settings) => CreateInstance(null, settings);

    /// <summary>Starts another instance of the sample on the shared servers, with changes to its services.</summary>
    /// <param name="configureServices">Changes to the instance's services, applied after the sample's own.</param>
    /// <param name="settings">Extra configuration settings.</param>
    /// <returns>The instance.</returns>
    public SampleInstance CreateInstance(Action<IServiceCollection>? configureServices, params (string Key, string Value)[] settings)
    {
        var all = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["Sample:Redis"] = Redis.Endpoint,
            ["Sample:Kafka"] = Kafka,
            ["Sample:RequestsPerSecond"] = "100000",
            ["Sample:DrainDelay"] = "00:00:00",
        };
        for (var i = 0; i < Shards.Count; i++)
        {
            all[string.Create(CultureInfo.InvariantCulture, $"Sample:Shards:{i}")] = Shards[i];
        }

        foreach (var (key, value) in settings)
        {
            all[key] = value;
        }

        var instance = new SampleInstance(all, services =>
        {
            // The mock cluster's coordinator holds every JoinGroup for the group's session timeout less a second before it
            // elects a leader: with librdkafka's 45 s an instance that joins waits 44 s for its partitions, and one whose
            // join times out meanwhile joins again as a new member. 6 s keeps each rebalance to about 5 s.
            services.PostConfigure<Scalable.Messaging.KafkaConsumerOptions>(UserEventsConsumer.ConsumerGroup, options =>
            {
                options.Consumer.SessionTimeoutMs = 6000;
                options.Consumer.HeartbeatIntervalMs = 500;
            });
            configureServices?.Invoke(services);
        });
        _instances.Add(instance);
        return instance;
    }

    public async Task DisposeAsync()
    {
        foreach (var instance in _instances)
        {
            await instance.DisposeAsync();
        }

        foreach (var set in _replicaSets)
        {
            await set.DisposeAsync();
        }

        await Redis.DisposeAsync();
        _kafka?.Dispose();
    }
}

/// <summary>The test collection whose tests share one <see cref="SampleCluster"/> (and run one after another, since some stop its servers).</summary>
[CollectionDefinition(Name)]
public sealed class SampleClusterCollection : ICollectionFixture<SampleCluster>
{
    public const string Name = "sample cluster";
}
