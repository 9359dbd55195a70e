using System.Text;
using Confluent.Kafka;

namespace Scalable.Messaging.Tests.Support;

// Reads a topic back with a real consumer (fresh group, from the earliest offset).
internal static class KafkaReader
{
    // Reads until at least `atLeast` distinct message ids arrived and the topic stayed quiet for `settle` (duplicates are kept in the result).
    public static List<ReadMessage> ReadAll(string bootstrapServers, string topic, int atLeast, TimeSpan? timeout = null, TimeSpan? settle = null)
    {
        using var consumer = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = $"reader-{Guid.NewGuid():N}",
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
        }).Build();
        consumer.Subscribe(topic);
        var result = new List<ReadMessage>();
        var distinct = new HashSet<Guid>();
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(90));
        var quietFor = settle ?? TimeSpan.FromMilliseconds(1500);
        var lastMessage = DateTime.UtcNow;
        while (DateTime.UtcNow < deadline && (distinct.Count < atLeast || DateTime.UtcNow - lastMessage < quietFor))
        {
            var consumed = consumer.Consume(TimeSpan.FromMilliseconds(100));
            if (consumed is null)
            {
                continue;
            }

            lastMessage = DateTime.UtcNow;
            result.Add(new ReadMessage(
                consumed.Message.Key is null ? null : Encoding.UTF8.GetString(consumed.Message.Key),
                consumed.Message.Value,
                Inbox.TryGetMessageId(consumed.Message.Headers, out var id) ? id : Guid.Empty,
                consumed.Message.Headers,
                consumed.Partition.Value,
                consumed.Offset.Value));
            distinct.Add(result[^1].MessageId);
        }

        consumer.Close();
        return result;
    }

    // Checks that every expected message arrived (a redelivered one may arrive more than once) and that per key the order held.
    public static void AssertAllArrivedInKeyOrder(IReadOnlyCollection<ReadMessage> read, IReadOnlyCollection<Guid> ids)
    {
        var arrived = read.Select(m => m.MessageId).ToHashSet();
        Assert.True(arrived.SetEquals(ids), $"every message arrives ({arrived.Count} of {ids.Count})");
        AssertPerKeyOrder(read);
    }

    // After a relay died between publish and mark: every message arrived in key order, and only the batch it never marked
    // was delivered a second time, with the same message ids.
    public static void AssertOnlyTheUnmarkedBatchTwice(IReadOnlyCollection<ReadMessage> read, IReadOnlyCollection<Guid> ids, IReadOnlySet<Guid> unmarked)
    {
        AssertAllArrivedInKeyOrder(read, ids);
        Assert.Equal(ids.Count + unmarked.Count, read.Count);
        var duplicates = read.GroupBy(m => m.MessageId).Where(g => g.Count() > 1).Select(g => g.Key);
        Assert.True(unmarked.SetEquals(duplicates), "only the batch that was never marked is delivered twice, with the same message ids");
    }

    // Checks that per key the payload sequence numbers only go up, allowing a redelivered run (same ids) to repeat.
    public static void AssertPerKeyOrder(IEnumerable<ReadMessage> messages)
    {
        foreach (var group in messages.Where(m => m.Key is not null).GroupBy(m => m.Key))
        {
            var firstSeen = group.Select(m => m.Sequence).Distinct().ToList();
            Assert.True(firstSeen.SequenceEqual(firstSeen.Order()), $"Key {group.Key} arrived out of order: {string.Join(",", firstSeen.Take(50))}");
        }
    }
}

internal sealed record ReadMessage(string? Key, byte[] Value, Guid MessageId, Headers Headers, int Partition, long Offset)
{
    public long Sequence => long.Parse(Encoding.UTF8.GetString(Value).Split(':')[0], System.Globalization.CultureInfo.InvariantCulture);

    public string? Header(string name) => Headers.TryGetLastBytes(name, out var bytes) ? Encoding.UTF8.GetString(bytes) : null;
}
