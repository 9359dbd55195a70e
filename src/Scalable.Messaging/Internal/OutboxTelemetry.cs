using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Scalable.Messaging.Internal;

// One Meter and one ActivitySource for the package, named like it; every instrument carries the outbox name.
internal static class OutboxTelemetry
{
    public const string Name = "Scalable.Messaging";
    public const string OutboxTag = "scalable.outbox.name";

    public static readonly ActivitySource ActivitySource = new(Name);
    public static readonly Meter Meter = new(Name);

    public static readonly Counter<long> Enqueued = Meter.CreateCounter<long>("scalable.messaging.outbox.enqueued", "{message}", "Messages added to an outbox (counted when the insert runs, before the caller commits).");
    public static readonly Counter<long> Published = Meter.CreateCounter<long>("scalable.messaging.outbox.published", "{message}", "Messages acknowledged by Kafka and removed from the outbox.");
    public static readonly Counter<long> Retried = Meter.CreateCounter<long>("scalable.messaging.outbox.retried", "{message}", "Publish attempts that failed and were scheduled again.");
    public static readonly Counter<long> DeadLettered = Meter.CreateCounter<long>("scalable.messaging.outbox.dead_lettered", "{message}", "Messages moved to the dead-letter table.");
    public static readonly UpDownCounter<long> Relays = Meter.CreateUpDownCounter<long>("scalable.messaging.outbox.relays", "{relay}", "Relay loops running in this process (a shard added to or removed from a followed shard map moves it).");
    public static readonly Histogram<double> CommitToAck = Meter.CreateHistogram<double>("scalable.messaging.outbox.commit_to_ack.duration", "s", "Time from enqueue to the Kafka acknowledgement.");

    private static readonly ConcurrentDictionary<string, OutboxBacklog> Backlogs = new();

    static OutboxTelemetry()
    {
        Meter.CreateObservableGauge("scalable.messaging.outbox.pending", () => Backlogs.Select(b => new Measurement<long>(b.Value.Pending, new KeyValuePair<string, object?>(OutboxTag, b.Key))), "{message}", "Messages waiting in the outbox (sampled).");
        Meter.CreateObservableGauge("scalable.messaging.outbox.oldest_pending.age", () => Backlogs.Select(b => new Measurement<double>(b.Value.OldestAgeSeconds, new KeyValuePair<string, object?>(OutboxTag, b.Key))), "s", "Age of the oldest pending message (sampled).");
    }

    public static KeyValuePair<string, object?> Tag(string outbox) => new(OutboxTag, outbox);

    public static void Report(string outbox, long pending, double oldestAgeSeconds) => Backlogs[outbox] = new OutboxBacklog(pending, oldestAgeSeconds);

    private sealed record OutboxBacklog(long Pending, double OldestAgeSeconds);
}
