using System.Globalization;
using System.Text;

namespace Scalable.Messaging.Tests.Support;

// Test messages whose payload starts with a per-key sequence number, so order can be checked after reading back.
internal static class Messages
{
    public static OutboxMessage Numbered(string topic, string? key, long sequence, int payloadBytes = 0)
    {
        var text = sequence.ToString(CultureInfo.InvariantCulture) + ":";
        return new OutboxMessage(topic, key, Encoding.UTF8.GetBytes(text.PadRight(Math.Max(payloadBytes, text.Length), 'x')));
    }

    // count messages spread round-robin over keys; message i of key k has sequence i / keys.
    public static List<OutboxMessage> RoundRobin(string topic, int keys, int from, int count, int payloadBytes = 0)
        => Enumerable.Range(from, count).Select(i => Numbered(topic, $"key-{i % keys}", i / keys, payloadBytes)).ToList();
}
