using BenchmarkDotNet.Attributes;
using Confluent.Kafka;
using Scalable.Messaging;
using Scalable.TestSupport;

namespace Scalable.Benchmarks.Messaging;

// Enqueue throughput of 8 concurrent writers, each committing transactions of one message on its own key, with and
// without the NOTIFY that wakes relays (NotifyOnEnqueue): every notifying commit takes PostgreSQL's cluster-wide notify
// queue lock. No relay runs. Per operation = one committed transaction.
// Run with: --inProcess --launchCount 1 --warmupCount 2 --iterationCount 8 (see docs/performance.md, "Outbox relay").
public class OutboxEnqueueBenchmarks
{
    private const int Writers = 8;
    private const int TransactionsPerWriter = 50;

    private PostgresServer _postgres = null!;
    private Outbox _outbox = null!;

    [Params(true, false)]
    public bool NotifyOnEnqueue { get; set; }

    [GlobalSetup]
    public void Setup() => SetupAsync().GetAwaiter().GetResult();

    [GlobalCleanup]
    public void Cleanup() => CleanupAsync().GetAwaiter().GetResult();

    [Benchmark(OperationsPerInvoke = Writers * TransactionsPerWriter)]
    public Task EightWritersCommitting() => Task.WhenAll(Enumerable.Range(0, Writers).Select(writer => Task.Run(async () =>
    {
        await using var connection = await _outbox.DataSource.OpenConnectionAsync();
        for (var i = 0; i < TransactionsPerWriter; i++)
        {
            await using var transaction = await connection.BeginTransactionAsync();
            await _outbox.EnqueueAsync(transaction, new OutboxMessage("bench", $"key-{writer}-{i}", MessagingBenchEnvironment.Payload(i)));
            await transaction.CommitAsync();
        }
    })));

    private async Task SetupAsync()
    {
        _postgres = await PostgresServer.StartLocalAsync();
        _outbox = new Outbox("bench", new ScalableMessagingOptions
        {
            ConnectionString = await _postgres.CreateDatabaseAsync("bench"),
            Producer = new ProducerConfig { BootstrapServers = "127.0.0.1:9" },
            NotifyOnEnqueue = NotifyOnEnqueue,
        }, TimeProvider.System);
        await _outbox.EnsureSchemaAsync();
    }

    private async Task CleanupAsync()
    {
        await _outbox.DisposeAsync();
        await _postgres.DisposeAsync();
    }
}
