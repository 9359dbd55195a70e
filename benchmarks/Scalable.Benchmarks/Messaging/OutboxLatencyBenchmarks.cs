using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;

namespace Scalable.Benchmarks.Messaging;

// Commit-to-ack latency at a steady 1,000 messages/s (10 messages committed every 10 ms, 1 KB each) for 10 s, against the raw producer's produce-to-ack
// at the same rate (fire-and-forget, and awaiting each batch's acknowledgements as the relay must). One invocation is one 10 s run; p50/p99 are printed and appended to scalable-messaging-latency.txt in the temp folder.
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 2, invocationCount: 1)]
public class OutboxLatencyBenchmarks
{
    private const int PerTick = 10;
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan Duration = TimeSpan.FromSeconds(10);
    private MessagingBenchEnvironment _environment = null!;

    /// <summary>Gets or sets the producer's max.in.flight.requests.per.connection (librdkafka's default, which the relay keeps, is 5).</summary>
    [Params(1, 5)]
    public int MaxInFlight { get; set; }

    [GlobalSetup]
    public void Setup() => _environment = MessagingBenchEnvironment.StartAsync(MaxInFlight).GetAwaiter().GetResult();

    [GlobalCleanup]
    public void Cleanup() => _environment.DisposeAsync().AsTask().GetAwaiter().GetResult();

    [Benchmark(Baseline = true)]
    public async Task RawProducerAt1000PerSecond()
    {
        using var producer = _environment.RawProducer();
        await producer.ProduceAsync(_environment.Topic, MessagingBenchEnvironment.RawMessage(0)); // connected and warm before the clock starts
        var latencies = new ConcurrentBag<double>();
        var sequence = 0;
        await SteadyAsync(() =>
        {
            for (var i = 0; i < PerTick; i++)
            {
                var sent = Stopwatch.GetTimestamp();
                producer.Produce(_environment.Topic, MessagingBenchEnvironment.RawMessage(sequence++), _ => latencies.Add(Stopwatch.GetElapsedTime(sent).TotalMilliseconds));
            }

            return Task.CompletedTask;
        });
        producer.Flush(TimeSpan.FromSeconds(30));
        Report(MaxInFlight, "raw producer, produce-to-ack", latencies);
    }

    // The relay's pattern without the database: each tick's messages are produced and all their acknowledgements awaited before the next.
    [Benchmark]
    public async Task RawProducerAwaitingEachBatchAt1000PerSecond()
    {
        using var producer = _environment.RawProducer();
        await producer.ProduceAsync(_environment.Topic, MessagingBenchEnvironment.RawMessage(0));
        var latencies = new List<double>();
        var sequence = 0;
        await SteadyAsync(async () =>
        {
            var sent = Stopwatch.GetTimestamp();
            await Task.WhenAll(Enumerable.Range(0, PerTick).Select(_ => producer.ProduceAsync(_environment.Topic, MessagingBenchEnvironment.RawMessage(sequence++))));
            var acked = Stopwatch.GetElapsedTime(sent).TotalMilliseconds;
            latencies.AddRange(Enumerable.Repeat(acked, PerTick));
        });
        Report(MaxInFlight, "raw producer awaiting each batch, produce-to-ack", latencies);
    }

    [Benchmark]
    public async Task OutboxAt1000PerSecond()
    {
        var committed = new ConcurrentDictionary<Guid, long>();
        var acked = new ConcurrentDictionary<Guid, long>();
        var sequence = 0;
        await using (_environment.StartRelays(1, (rows, _) =>
        {
            var now = Stopwatch.GetTimestamp();
            foreach (var row in rows)
            {
                acked.TryAdd(row.MessageId, now);
            }

            return Task.CompletedTask;
        }))
        {
            var warmUp = await _environment.EnqueueAsync(_environment.Messages(0, 1));
            while (!acked.ContainsKey(warmUp[0]))
            {
                await Task.Delay(10);
            }

            await SteadyAsync(async () =>
            {
                var ids = await _environment.EnqueueAsync(_environment.Messages(sequence, PerTick));
                sequence += PerTick;
                var now = Stopwatch.GetTimestamp();
                foreach (var id in ids)
                {
                    committed[id] = now;
                }
            });
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (!committed.Keys.All(acked.ContainsKey) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(10);
            }
        }

        Report(MaxInFlight, "outbox, commit-to-ack", committed.Select(c => acked.TryGetValue(c.Key, out var ack) ? Stopwatch.GetElapsedTime(c.Value, ack).TotalMilliseconds : double.NaN));
    }

    private static async Task SteadyAsync(Func<Task> tick)
    {
        using var timer = new PeriodicTimer(Tick);
        var end = Stopwatch.GetTimestamp() + (long)(Duration.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < end && await timer.WaitForNextTickAsync())
        {
            await tick();
        }
    }

    private static void Report(int maxInFlight, string what, IEnumerable<double> latencies)
    {
        var all = latencies.ToList();
        var sorted = all.Where(l => !double.IsNaN(l)).Order().ToList();
        double At(double p) => sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];
        var line = string.Create(CultureInfo.InvariantCulture, $"{DateTime.UtcNow:u} MaxInFlight={maxInFlight} {what}: n={sorted.Count} missing={all.Count - sorted.Count} p50={At(0.50):0.00} ms p99={At(0.99):0.00} ms max={At(1.0):0.00} ms");
        Console.WriteLine(line);
        File.AppendAllText(Path.Combine(Path.GetTempPath(), "scalable-messaging-latency.txt"), line + Environment.NewLine);
    }
}
