namespace Scalable.Messaging.Internal;

// What happened to one row of a batch: acknowledged, failed with an error, or not sent because an earlier message of its key failed first.
internal readonly record struct PublishOutcome(PublishStatus Status, string? Error)
{
    public static readonly PublishOutcome Delivered = new(PublishStatus.Delivered, null);
    public static readonly PublishOutcome Skipped = new(PublishStatus.Skipped, null);

    public static PublishOutcome Failed(string error) => new(PublishStatus.Failed, error);
}

internal enum PublishStatus
{
    Pending,
    Delivered,
    Failed,
    Skipped,
}
