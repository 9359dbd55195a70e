namespace Scalable.Messaging.Internal;

// Checks a message before anything is written, with errors that say which message and what to change.
internal static class MessageValidator
{
    private const int MaxTopicLength = 249;

    public static void Validate(OutboxMessage? message, int maxPayloadBytes, int index)
    {
        if (message is null)
        {
            throw new ArgumentNullException("messages", $"Message {index} is null.");
        }

        if (string.IsNullOrEmpty(message.Topic))
        {
            throw new ArgumentException($"Message {index} has an empty topic; set OutboxMessage.Topic to a Kafka topic name.", "messages");
        }

        if (message.Topic.Length > MaxTopicLength || !message.Topic.All(IsTopicChar))
        {
            throw new ArgumentException($"Message {index} has the invalid topic '{message.Topic}': Kafka topics are 1 to {MaxTopicLength} ASCII letters, digits, '.', '_' or '-'.", "messages");
        }

        if (message.Payload.Length > maxPayloadBytes)
        {
            throw new ArgumentException($"Message {index} has a payload of {message.Payload.Length} bytes, over ScalableMessagingOptions.MaxPayloadBytes ({maxPayloadBytes}).", "messages");
        }

        foreach (var header in message.Headers ?? new Dictionary<string, byte[]>())
        {
            if (string.IsNullOrEmpty(header.Key))
            {
                throw new ArgumentException($"Message {index} has a header with an empty name.", "messages");
            }

            if (header.Key is OutboxHeaders.MessageId or OutboxHeaders.TraceParent or OutboxHeaders.TraceState)
            {
                throw new ArgumentException($"Message {index} sets the header '{header.Key}', which the outbox sets itself.", "messages");
            }
        }
    }

    private static bool IsTopicChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-';
}
