namespace Scalable.Messaging;

/// <summary>Where a Kafka consumer puts a message its handler failed <see cref="KafkaConsumerOptions.MaxAttempts"/> times.</summary>
public enum ConsumerDeadLetterTarget
{
    /// <summary>A row in <see cref="KafkaConsumerOptions.DeadLetterTable"/>, written in the same transaction as the inbox record.</summary>
    Table,

    /// <summary>A copy of the message on <see cref="KafkaConsumerOptions.DeadLetterTopic"/>, with the error in headers.</summary>
    Topic,
}
