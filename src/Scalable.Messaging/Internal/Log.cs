using Microsoft.Extensions.Logging;

namespace Scalable.Messaging.Internal;

// Every log line of the package, with stable event ids.
internal static partial class Log
{
    [LoggerMessage(EventId = 5001, Level = LogLevel.Information, Message = "Outbox relay {Relay} of outbox '{Outbox}' started.")]
    public static partial void RelayStarted(ILogger logger, int relay, string outbox);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Information, Message = "Outbox relay {Relay} of outbox '{Outbox}' stopped.")]
    public static partial void RelayStopped(ILogger logger, int relay, string outbox);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Warning, Message = "Outbox relay of outbox '{Outbox}' failed a batch; it retries after {Delay}.")]
    public static partial void RelayFailed(ILogger logger, string outbox, TimeSpan delay, Exception exception);

    [LoggerMessage(EventId = 5004, Level = LogLevel.Warning, Message = "Message {MessageId} of outbox '{Outbox}' failed attempt {Attempt}: {Error}.")]
    public static partial void PublishFailed(ILogger logger, Guid messageId, string outbox, int attempt, string error);

    [LoggerMessage(EventId = 5005, Level = LogLevel.Error, Message = "Message {MessageId} (key '{Key}') of outbox '{Outbox}' was dead-lettered after {Attempts} attempts: {Error}.")]
    public static partial void DeadLettered(ILogger logger, Guid messageId, string? key, string outbox, int attempts, string error);

    [LoggerMessage(EventId = 5006, Level = LogLevel.Error, Message = "The Kafka producer of outbox '{Outbox}' raised a fatal error ({Error}); it is recreated.")]
    public static partial void ProducerFatal(ILogger logger, string outbox, string error);

    [LoggerMessage(EventId = 5007, Level = LogLevel.Warning, Message = "The notification listener of outbox '{Outbox}' lost its connection; relays poll until it reconnects.")]
    public static partial void ListenerFailed(ILogger logger, string outbox, Exception exception);

    [LoggerMessage(EventId = 5008, Level = LogLevel.Debug, Message = "Outbox '{Outbox}' published {Count} messages.")]
    public static partial void BatchPublished(ILogger logger, string outbox, int count);

    [LoggerMessage(EventId = 5009, Level = LogLevel.Warning, Message = "Kafka producer of outbox '{Outbox}' reported: {Error}.")]
    public static partial void ProducerError(ILogger logger, string outbox, string error);

    [LoggerMessage(EventId = 5010, Level = LogLevel.Warning, Message = "Sampling the backlog of outbox '{Outbox}' failed.")]
    public static partial void BacklogSampleFailed(ILogger logger, string outbox, Exception exception);

    [LoggerMessage(EventId = 5011, Message = "librdkafka {Facility} (outbox '{Outbox}'): {Text}")]
    public static partial void Librdkafka(ILogger logger, LogLevel level, string outbox, string facility, string text);

    [LoggerMessage(EventId = 5012, Level = LogLevel.Warning, Message = "Kafka could not be reached for messages of outbox '{Outbox}' ({Error}); no attempt is charged, they are sent again in order after {Delay}.")]
    public static partial void KafkaUnreachable(ILogger logger, string outbox, TimeSpan delay, string error);

    [LoggerMessage(EventId = 5013, Level = LogLevel.Warning, Message = "The database session of a relay of outbox '{Outbox}' ended while {Count} messages waited for Kafka; the relay stops producing them (another relay owns their buckets now) and reconnects.")]
    public static partial void RelayFenced(ILogger logger, string outbox, int count, Exception exception);

    [LoggerMessage(EventId = 5014, Level = LogLevel.Information, Message = "The shard '{Shard}' joined the shard map: its outbox and {RelayCount} relays started.")]
    public static partial void ShardOutboxStarted(ILogger logger, string shard, int relayCount);

    [LoggerMessage(EventId = 5015, Level = LogLevel.Information, Message = "The shard '{Shard}' left the shard map (or changed its connection string): its relays finished their batches and stopped.")]
    public static partial void ShardOutboxStopped(ILogger logger, string shard);

    [LoggerMessage(EventId = 5016, Level = LogLevel.Error, Message = "The outbox of shard '{Shard}' could not be started after a shard map reload; the other shards go on.")]
    public static partial void ShardOutboxRejected(ILogger logger, string shard, Exception exception);
}
