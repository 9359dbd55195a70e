using Microsoft.Extensions.Logging;

namespace Scalable.Messaging.Consuming;

// Every log line of the Kafka consumer loop, with stable event ids (5101-5199; the outbox uses 5001-5099).
internal static partial class ConsumerLog
{
    [LoggerMessage(EventId = 5101, Level = LogLevel.Information, Message = "Kafka consumer '{Consumer}' started on {Topics} as group '{Group}'.")]
    public static partial void Started(ILogger logger, string consumer, string topics, string group);

    [LoggerMessage(EventId = 5102, Level = LogLevel.Information, Message = "Kafka consumer '{Consumer}' stopped; it committed its handled messages and left its group.")]
    public static partial void Stopped(ILogger logger, string consumer);

    [LoggerMessage(EventId = 5103, Level = LogLevel.Warning, Message = "Kafka consumer '{Consumer}': the handler failed on {Position} (attempt {Attempt} of {MaxAttempts}); it is tried again after {Delay}.")]
    public static partial void HandlerFailed(ILogger logger, string consumer, string position, int attempt, int maxAttempts, TimeSpan delay, Exception exception);

    [LoggerMessage(EventId = 5104, Level = LogLevel.Error, Message = "Kafka consumer '{Consumer}' dead-lettered {Position} (message {MessageId}) to {Target} after {Attempts} failed attempts: {Error}")]
    public static partial void DeadLettered(ILogger logger, string consumer, string position, Guid messageId, string target, int attempts, string error);

    [LoggerMessage(EventId = 5105, Level = LogLevel.Warning, Message = "Kafka consumer '{Consumer}' could not record or commit {Position} (the database or Kafka failed, not the handler); it is tried again after {Delay}.")]
    public static partial void StepFailed(ILogger logger, string consumer, string position, TimeSpan delay, Exception exception);

    [LoggerMessage(EventId = 5106, Level = LogLevel.Debug, Message = "Kafka consumer '{Consumer}' skipped {Position}: message {MessageId} was handled before.")]
    public static partial void Duplicate(ILogger logger, string consumer, string position, Guid messageId);

    [LoggerMessage(EventId = 5107, Level = LogLevel.Information, Message = "Kafka consumer '{Consumer}' was assigned {Partitions}.")]
    public static partial void Assigned(ILogger logger, string consumer, string partitions);

    [LoggerMessage(EventId = 5108, Level = LogLevel.Information, Message = "Kafka consumer '{Consumer}' gives up {Partitions}; it commits the offsets it stored.")]
    public static partial void Revoked(ILogger logger, string consumer, string partitions);

    [LoggerMessage(EventId = 5109, Level = LogLevel.Warning, Message = "Kafka consumer '{Consumer}' could not commit its stored offsets: {Error}.")]
    public static partial void CommitFailed(ILogger logger, string consumer, string error);

    [LoggerMessage(EventId = 5110, Level = LogLevel.Warning, Message = "Kafka consumer '{Consumer}' reported: {Error}.")]
    public static partial void KafkaError(ILogger logger, string consumer, string error);

    [LoggerMessage(EventId = 5111, Level = LogLevel.Warning, Message = "Kafka consumer '{Consumer}' did not finish its message within the shutdown timeout; the message is rolled back and read again later.")]
    public static partial void StopTimedOut(ILogger logger, string consumer);

    [LoggerMessage(EventId = 5112, Level = LogLevel.Error, Message = "Kafka consumer '{Consumer}' failed and restarts its Kafka client after {Delay}; it resumes from its committed offsets.")]
    public static partial void LoopFailed(ILogger logger, string consumer, TimeSpan delay, Exception exception);
}
