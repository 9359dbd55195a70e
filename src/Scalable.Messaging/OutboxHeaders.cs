namespace Scalable.Messaging;

/// <summary>Names of the Kafka headers the relay adds to every message.</summary>
public static class OutboxHeaders
{
    /// <summary>The message id (a UUID as text), the same on every redelivery.</summary>
    public const string MessageId = "message-id";

    /// <summary>The W3C trace context captured at enqueue.</summary>
    public const string TraceParent = "traceparent";

    /// <summary>The W3C trace state captured at enqueue, when present.</summary>
    public const string TraceState = "tracestate";
}
