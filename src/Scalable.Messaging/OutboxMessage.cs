using System.Text.Json;

namespace Scalable.Messaging;

/// <summary>A message to publish to Kafka through the outbox.</summary>
public sealed class OutboxMessage
{
    /// <summary>Creates a message with a raw payload.</summary>
    /// <param name="topic">The Kafka topic.</param>
    /// <param name="key">The Kafka key; messages with the same key are published in enqueue order (null: no order).</param>
    /// <param name="payload">The message value.</param>
    /// <param name="headers">Extra Kafka headers, or null.</param>
    public OutboxMessage(string topic, string? key, ReadOnlyMemory<byte> payload, IReadOnlyDictionary<string, byte[]>? headers = null)
    {
        Topic = topic;
        Key = key;
        Payload = payload;
        Headers = headers;
    }

    /// <summary>Gets the Kafka topic.</summary>
    public string Topic { get; }

    /// <summary>Gets the Kafka key (also the ordering key), or null.</summary>
    public string? Key { get; }

    /// <summary>Gets the message value.</summary>
    public ReadOnlyMemory<byte> Payload { get; }

    /// <summary>Gets the extra Kafka headers, or null.</summary>
    public IReadOnlyDictionary<string, byte[]>? Headers { get; }

    /// <summary>Creates a message whose payload is the UTF-8 JSON of a value.</summary>
    /// <typeparam name="T">The value type.</typeparam>
    /// <param name="topic">The Kafka topic.</param>
    /// <param name="key">The Kafka key, or null.</param>
    /// <param name="value">The value to serialize.</param>
    /// <param name="jsonOptions">Serializer options, or null for the defaults.</param>
    /// <param name="headers">Extra Kafka headers, or null.</param>
    /// <returns>The message.</returns>
    public static OutboxMessage FromJson<T>(string topic, string? key, T value, JsonSerializerOptions? jsonOptions = null, IReadOnlyDictionary<string, byte[]>? headers = null)
        => new(topic, key, JsonSerializer.SerializeToUtf8Bytes(value, jsonOptions), headers);
}
