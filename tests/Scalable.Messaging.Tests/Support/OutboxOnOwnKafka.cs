using Scalable.TestSupport;

namespace Scalable.Messaging.Tests.Support;

// An outbox on a fresh database that publishes to topic "orders" on a Kafka mock cluster of the test's own (a local one,
// always), for tests that stop brokers, inject errors or kill relays without disturbing the other tests.
internal sealed class OutboxOnOwnKafka : IAsyncDisposable
{
    public const string Topic = "orders";

    private OutboxOnOwnKafka(KafkaMockCluster cluster, string connectionString, Outbox outbox)
    {
        Cluster = cluster;
        ConnectionString = connectionString;
        Outbox = outbox;
    }

    public KafkaMockCluster Cluster { get; }

    public string BootstrapServers => Cluster.BootstrapServers;

    public string ConnectionString { get; }

    public Outbox Outbox { get; }

    // Every partition is replicated on every broker, so a broker that goes down leaves its partitions' data on the others.
    // Leaders are spread round-robin (partition p on broker p % brokers + 1): the mock cluster picks each partition's
    // leader at random, so a broker taken down could otherwise lead no partition at all (with 6 partitions on 3 brokers,
    // about one topic in 11), and an outage test would feel nothing.
    public static async Task<OutboxOnOwnKafka> StartAsync(PostgresServer postgres, string database, int brokers, int partitions, Action<ScalableMessagingOptions>? configure = null)
    {
        var cluster = KafkaMockCluster.StartLocal(brokers);
        try
        {
            cluster.CreateTopic(Topic, partitions, replicationFactor: brokers);
            for (var partition = 0; partition < partitions; partition++)
            {
                cluster.SetPartitionLeader(Topic, partition, partition % brokers + 1);
            }

            var connectionString = await postgres.CreateDatabaseAsync(database);
            return new OutboxOnOwnKafka(cluster, connectionString, await TestOutbox.CreateAsync(connectionString, cluster.BootstrapServers, configure));
        }
        catch
        {
            cluster.Dispose();
            throw;
        }
    }

    // Commits messages from .. from+count-1 of the topic, round-robin over `keys` keys (see Messages.RoundRobin).
    public Task<IReadOnlyList<Guid>> EnqueueAsync(int keys, int from, int count) => TestOutbox.EnqueueAsync(Outbox, Messages.RoundRobin(Topic, keys, from, count));

    public List<ReadMessage> ReadAll(int atLeast, TimeSpan? timeout = null, TimeSpan? settle = null) => KafkaReader.ReadAll(BootstrapServers, Topic, atLeast, timeout, settle);

    public Task<long> UnsentAsync() => TestOutbox.CountAsync(Outbox);

    public Task WaitUntilAllSentAsync(string because = "the outbox to drain") => Eventually.TrueAsync(async () => await UnsentAsync() == 0, because: because);

    public async ValueTask DisposeAsync()
    {
        await Outbox.DisposeAsync();
        Cluster.Dispose();
    }
}
