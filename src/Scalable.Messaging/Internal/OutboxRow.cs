namespace Scalable.Messaging.Internal;

// One claimed outbox row, as read by the relay.
internal sealed record OutboxRow(
    long Id,
    Guid MessageId,
    string Topic,
    string? Key,
    byte[] Payload,
    byte[]? Headers,
    string? TraceParent,
    string? TraceState,
    DateTimeOffset CreatedAt,
    int Attempts);
