namespace Scalable.Messaging.Internal;

// What happened to one row of a batch: acknowledged, failed for a reason of its own (an attempt is charged), rejected
// (it can never be delivered), not delivered because Kafka could not be reached (no attempt charged), or not sent.
internal readonly record struct PublishOutcome(PublishStatus Status, string? Error)
{
    public static readonly PublishOutcome Delivered = new(PublishStatus.Delivered, null);
    public static readonly PublishOutcome Skipped = new(PublishStatus.Skipped, null);

    public static PublishOutcome Failed(string error) => new(PublishStatus.Failed, error);

    public static PublishOutcome Rejected(string error) => new(PublishStatus.Rejected, error);

    public static PublishOutcome Unreachable(string error) => new(PublishStatus.Unreachable, error);
}

internal enum PublishStatus
{
    Pending,
    Delivered,
    Failed,
    Rejected,
    Unreachable,
    Skipped,
}
