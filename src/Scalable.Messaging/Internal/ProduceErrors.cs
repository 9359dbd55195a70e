using Confluent.Kafka;

namespace Scalable.Messaging.Internal;

// Sorts a produce error by whose fault it is. Only a message's own fault counts against it: an outage (timeouts, transport
// errors, brokers or leaders missing, a full queue, a fatal producer) never charges an attempt, whatever its length.
internal static class ProduceErrors
{
    public static PublishOutcome Outcome(Error error)
    {
        if (!error.IsError)
        {
            return PublishOutcome.Delivered;
        }

        var description = $"{error.Code}: {error.Reason}";
        return error.Code switch
        {
            // Too large for the producer or the broker: no retry can deliver it.
            ErrorCode.MsgSizeTooLarge or ErrorCode.InvalidMsgSize or ErrorCode.RecordListTooLarge
                => PublishOutcome.Rejected(description),

            // The message or its topic is wrong; the topic may still be created or fixed, so it gets its attempts.
            ErrorCode.InvalidMsg or ErrorCode.InvalidRecord or ErrorCode.Local_BadMsg or ErrorCode.TopicException
                or ErrorCode.UnknownTopicOrPart or ErrorCode.Local_UnknownTopic or ErrorCode.Local_UnknownPartition
                => PublishOutcome.Failed(description),

            _ => PublishOutcome.Unreachable(description),
        };
    }
}
