using Npgsql;

namespace Scalable.Messaging;

/// <summary>Handles the Kafka messages of a consumer registered with <see cref="Microsoft.Extensions.DependencyInjection.KafkaConsumerBuilderExtensions.AddKafkaConsumer{THandler}(ScalableMessagingBuilder, string, Action{KafkaConsumerOptions})"/>, one at a time per consumer, inside the transaction that records it in the inbox.</summary>
public interface IKafkaMessageHandler
{
    /// <summary>Applies one message's effects through the given transaction; the loop commits it with the inbox record, and a thrown exception rolls both back and retries the message.</summary>
    /// <param name="message">The message, its position and its delivery attempt.</param>
    /// <param name="transaction">The open transaction that also holds the inbox record; do not commit or roll it back.</param>
    /// <param name="cancellationToken">Cancelled when the host's shutdown timeout runs out.</param>
    /// <returns>A task that completes when the effects are written.</returns>
    Task HandleAsync(ConsumedMessage message, NpgsqlTransaction transaction, CancellationToken cancellationToken);
}
