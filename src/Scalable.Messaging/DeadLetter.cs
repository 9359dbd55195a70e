namespace Scalable.Messaging;

/// <summary>A message the relay gave up on, as stored in the dead-letter table.</summary>
/// <param name="Id">The outbox row id; dead letters of one key are in the order of their ids.</param>
/// <param name="MessageId">The message id (the <c>message-id</c> header).</param>
/// <param name="Topic">The Kafka topic.</param>
/// <param name="Key">The message key, or null.</param>
/// <param name="Payload">The payload.</param>
/// <param name="Attempts">How many publish attempts were charged to it.</param>
/// <param name="LastError">The last produce error.</param>
/// <param name="CreatedAt">When it was enqueued.</param>
/// <param name="DeadLetteredAt">When it was dead-lettered.</param>
public sealed record DeadLetter(long Id, Guid MessageId, string Topic, string? Key, ReadOnlyMemory<byte> Payload, int Attempts, string? LastError, DateTimeOffset CreatedAt, DateTimeOffset DeadLetteredAt);
