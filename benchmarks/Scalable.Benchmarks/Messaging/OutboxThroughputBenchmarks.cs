using BenchmarkDotNet.Attributes;
using Confluent.Kafka;

namespace Scalable.Benchmarks.Messaging;

// Relay throughput: drain a backlog of 20,000 committed 1 KB messages (1,000 keys) to a 3-broker cluster, against the raw producer sending the same messages.
[ShortRunJob]
public class OutboxThroughputBenchmarks
{
    private const int Messages = 20_000;
    private MessagingBenchEnvironment _environment = null!;
    private IProducer<byte[], byte[]> _raw = null!;

    [GlobalSetup]
    public void Setup()
    {
        _environment = MessagingBenchEnvironment.StartAsync().GetAwaiter().GetResult();
        _raw = _environment.RawProducer();
    }

    [IterationSetup(Targets = [nameof(OutboxOneRelay), nameof(OutboxTwoRelays)])]
    public void FillOutbox()
    {
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

    [Benchmark(OperationsPerInvoke = Messages)]
    public Task OutboxOneRelay() => DrainAsync(1);

    [Benchmark(OperationsPerInvoke = Messages)]
    public Task OutboxTwoRelays() => DrainAsync(2);

    [GlobalCleanup]
    public void Cleanup()
    {
        _raw.Dispose();
        _environment.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    // Measured: relay start, claim, publish with acks, and the delete that removes the rows; done when the table is empty.
    private async Task DrainAsync(int relays)
    {
        var published = 0;
        var allPublished = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using (_environment.StartRelays(relays, (rows, _) =>
        {
            if (Interlocked.Add(ref published, rows.Count) >= Messages)
            {
                allPublished.TrySetResult();
            }

            return Task.CompletedTask;
        }))
        {
            await allPublished.Task;
            while (await _environment.PendingAsync() > 0)
            {
                await Task.Delay(2);
            }
        }
    }
}
