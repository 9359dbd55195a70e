using System.Security.Cryptography;
using System.Text;
using Confluent.Kafka;

namespace Scalable.Messaging.Consuming;

// The inbox id of a message without the outbox's message-id header: stable for its topic, partition and offset, so a redelivery of that position is recognised.
internal static class PositionId
{
    public static Guid For(TopicPartitionOffset position)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes($"{position.Topic}/{position.Partition.Value}/{position.Offset.Value}"), hash);
        return new Guid(hash[..16]);
    }
}
