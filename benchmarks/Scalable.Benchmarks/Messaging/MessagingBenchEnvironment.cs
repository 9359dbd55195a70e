using System.Globalization;
using System.Text;
using Confluent.Kafka;
using Microsoft.Extensions.Logging.Abstractions;
using Scalable.Messaging;
using Scalable.Messaging.Internal;
using Scalable.TestSupport;

namespace Scalable.Benchmarks.Messaging;

// A real PostgreSQL server and a 3-broker Kafka mock cluster, an outbox on a fresh database, and the raw producer used as the baseline.
// maxInFlight is the producer's max.in.flight.requests.per.connection, for the relay and the raw producer alike.
internal sealed class MessagingBenchEnvironment : IAsyncDisposable
{
    public const int PayloadBytes = 1024;
    public const int Keys = 1000;

    private PostgresServer? _postgres;

    private MessagingBenchEnvironment(KafkaMockCluster kafka) => Kafka = kafka;

    public KafkaMockCluster Kafka { get; }

    public Outbox Outbox { get; private set; } = null!;

    public string Topic { get; } = $"bench-{Guid.NewGuid():N}";

    public static async Task<MessagingBenchEnvironment> StartAsync(int maxInFlight)
    {
        var environment = new MessagingBenchEnvironment(KafkaMockCluster.StartLocal(brokers: 3));
        environment.Kafka.CreateTopic(environment.Topic, partitions: 6, replicationFactor: 3);
        environment._postgres = await PostgresServer.StartLocalAsync();
        var options = new ScalableMessagingOptions
        {
            ConnectionString = await environment._postgres.CreateDatabaseAsync("bench"),
            Producer = new ProducerConfig { BootstrapServers = environment.Kafka.BootstrapServers, MaxInFlight = maxInFlight },
            BatchSize = 5000,
        };
        environment.Outbox = new Outbox("bench", options, TimeProvider.System);
        await environment.Outbox.EnsureSchemaAsync();
        return environment;
    }

    public static byte[] Payload(long sequence)
        => Encoding.UTF8.GetBytes((sequence.ToString(CultureInfo.InvariantCulture) + ":").PadRight(PayloadBytes, 'x'));

    public List<OutboxMessage> Messages(int from, int count)
        => Enumerable.Range(from, count).Select(i => new OutboxMessage(Topic, $"key-{i % Keys}", Payload(i))).ToList();

    public async Task<IReadOnlyList<Guid>> EnqueueAsync(IReadOnlyList<OutboxMessage> messages)
    {
        await using var connection = await Outbox.DataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var ids = await Outbox.EnqueueAsync(transaction, messages);
        await transaction.CommitAsync();
        return ids;
    }

    public async Task<long> PendingAsync()
    {
        await using var command = Outbox.DataSource.CreateCommand("SELECT count(*) FROM scalable.outbox_messages");
        return (long)(await command.ExecuteScalarAsync())!;
    }

    // The same idempotent, acks=all producer settings the relay uses.
    public IProducer<byte[], byte[]> RawProducer()
        => new ProducerBuilder<byte[], byte[]>(ProducerSettings.For(Outbox.Options.Producer)).SetLogHandler((_, _) => { }).Build();

    public static Message<byte[], byte[]> RawMessage(int i) => new()
    {
        Key = Encoding.UTF8.GetBytes($"key-{i % Keys}"),
        Value = Payload(i),
        Headers = new Headers { { OutboxHeaders.MessageId, Encoding.UTF8.GetBytes(Guid.NewGuid().ToString()) } },
    };

    public RelayGroup StartRelays(int count, Func<IReadOnlyList<OutboxRow>, CancellationToken, Task>? afterPublish = null, Func<CancellationToken, Task>? beforeBatch = null)
        => new(Outbox, count, afterPublish, beforeBatch);

    public async ValueTask DisposeAsync()
    {
        await Outbox.DisposeAsync();
        if (_postgres is not null)
        {
            await _postgres.DisposeAsync();
        }

        Kafka.Dispose();
    }

    internal sealed class RelayGroup : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly List<Task> _loops = [];

        public RelayGroup(Outbox outbox, int count, Func<IReadOnlyList<OutboxRow>, CancellationToken, Task>? afterPublish, Func<CancellationToken, Task>? beforeBatch)
        {
            var wake = new WakeSignal();
            _loops.Add(Task.Run(() => new NotificationListener(outbox, wake, TimeProvider.System, NullLogger.Instance).RunAsync(_stop.Token)));
            for (var i = 0; i < count; i++)
            {
                var relay = new OutboxRelay(outbox, wake, TimeProvider.System, NullLogger.Instance, i) { AfterPublish = afterPublish, BeforeBatch = beforeBatch };
                _loops.Add(Task.Run(() => relay.RunAsync(_stop.Token)));
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await Task.WhenAll(_loops);
            _stop.Dispose();
        }
    }
}
