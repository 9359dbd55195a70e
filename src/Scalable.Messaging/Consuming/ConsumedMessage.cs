using System.Text;
using Confluent.Kafka;

namespace Scalable.Messaging;

/// <summary>A Kafka message given to an <see cref="IKafkaMessageHandler"/>, with its position and its delivery attempt.</summary>
public sealed class ConsumedMessage
{
    internal ConsumedMessage(ConsumeResult<byte[]?, byte[]?> result, Guid messageId, int attempt)
    {
        Topic = result.Topic;
        Partition = result.Partition.Value;
        Offset = result.Offset.Value;
        KeyBytes = result.Message.Key;
        Value = result.Message.Value ?? [];
        Headers = result.Message.Headers ?? [];
        Timestamp = result.Message.Timestamp.UtcDateTime;
        MessageId = messageId;
        Attempt = attempt;
    }

    /// <summary>Gets the topic the message was read from.</summary>
    public string Topic { get; }

    /// <summary>Gets the partition the message was read from.</summary>
    public int Partition { get; }

    /// <summary>Gets the message's offset in its partition.</summary>
    public long Offset { get; }

    /// <summary>Gets the raw message key, or null when the message has none.</summary>
    public byte[]? KeyBytes { get; }

    /// <summary>Gets the message key decoded as UTF-8 (as the outbox writes it), or null when the message has none.</summary>
    public string? Key => KeyBytes is null ? null : Encoding.UTF8.GetString(KeyBytes);

    /// <summary>Gets the message payload (empty for a message without a value).</summary>
    public byte[] Value { get; }

    /// <summary>Gets the message headers.</summary>
    public Headers Headers { get; }

    /// <summary>Gets the time Kafka stamped on the message, in UTC.</summary>
    public DateTime Timestamp { get; }

    /// <summary>Gets the id the inbox deduplicates by: the outbox's <see cref="OutboxHeaders.MessageId"/> header, or an id derived from the topic, partition and offset when the header is missing.</summary>
    public Guid MessageId { get; }

    /// <summary>Gets which delivery attempt this is, starting at 1 and counting the handler failures of this message in this process.</summary>
    public int Attempt { get; }
}
