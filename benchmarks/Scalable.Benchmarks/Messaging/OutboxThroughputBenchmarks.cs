using BenchmarkDotNet.Attributes;
using Confluent.Kafka;

namespace Scalable.Benchmarks.Messaging;

// Relay throughput: warm relays drain a backlog of 20,000 committed 1 KB messages (1,000 keys) to a 3-broker cluster,
// against the raw producer sending the same messages. Per operation = per message.
[ShortRunJob]
public class OutboxThroughputBenchmarks
{
    private const int Messages = 20_000;
    private MessagingBenchEnvironment _environment = null!;
    private IProducer<byte[], byte[]> _raw = null!;
    private MessagingBenchEnvironment.RelayGroup? _relays;
    private TaskCompletionSource _go = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _allPublished = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _published;

    [Params(1, 2)]
    public int Relays { get; set; }

    /// <summary>Gets or sets the producer's max.in.flight.requests.per.connection (librdkafka's default, which the relay keeps, is 5).</summary>
    [Params(1, 5)]
    public int MaxInFlight { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _environment = MessagingBenchEnvironment.StartAsync(MaxInFlight).GetAwaiter().GetResult();
        _raw = _environment.RawProducer();
        _raw.ProduceAsync(_environment.Topic, MessagingBenchEnvironment.RawMessage(0)).GetAwaiter().GetResult();
        _relays = _environment.StartRelays(
            Relays,
            afterPublish: (rows, _) =>
            {
                if (Interlocked.Add(ref _published, rows.Count) >= Messages)
                {
                    _allPublished.TrySetResult();
                }

                return Task.CompletedTask;
            },
            beforeBatch: token => Volatile.Read(ref _go).Task.WaitAsync(token));
        Volatile.Read(ref _go).TrySetResult(); // warm the relays (producer connected) on one message
        _environment.EnqueueAsync(_environment.Messages(0, 1)).GetAwaiter().GetResult();
        while (_environment.PendingAsync().GetAwaiter().GetResult() > 0)
        {
            Thread.Sleep(10);
        }
    }

    // The relays are held before their next batch while the backlog is written.
    [IterationSetup(Target = nameof(Outbox))]
    public void FillOutbox()
    {
        Volatile.Write(ref _go, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        _allPublished = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _published = 0;
        for (var from = 0; from < Messages; from += 2000)
        {
            _environment.EnqueueAsync(_environment.Messages(from, 2000)).GetAwaiter().GetResult();
        }
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Messages)]
    public async Task RawConfluentProducer()
    {
        var remaining = Messages;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        for (var i = 0; i < Messages; i++)
        {
            _raw.Produce(_environment.Topic, MessagingBenchEnvironment.RawMessage(i), report =>
            {
                if (report.Error.IsError)
                {
                    done.TrySetException(new KafkaException(report.Error));
                }
                else if (Interlocked.Decrement(ref remaining) == 0)
                {
                    done.TrySetResult();
                }
            });
        }

        await done.Task;
    }

    // Measured: claim, read, publish with acks=all, and the delete that removes the rows; done when the table is empty.
    [Benchmark(OperationsPerInvoke = Messages)]
    public async Task Outbox()
    {
        Volatile.Read(ref _go).TrySetResult();
        await _allPublished.Task;
        while (await _environment.PendingAsync() > 0)
        {
            await Task.Delay(1);
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        Volatile.Read(ref _go).TrySetResult();
        _relays?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _raw.Dispose();
        _environment.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }
}
