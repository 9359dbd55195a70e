using System.Globalization;
using System.Text;
using Confluent.Kafka;

namespace Scalable.Messaging.Consuming;

// Copies a poison message to the dead-letter topic, with where it came from and why it failed in headers; waits for the acknowledgement.
internal sealed class DeadLetterProducer(KafkaConsumerOptions options) : IDisposable
{
    public const string ErrorHeader = "scalable-dead-letter-error";
    public const string SourceHeader = "scalable-dead-letter-source";
    public const string AttemptsHeader = "scalable-dead-letter-attempts";
    private IProducer<byte[]?, byte[]?>? _producer;

    public async Task ProduceAsync(ConsumedMessage message, int attempts, string error, CancellationToken cancellationToken)
    {
        var headers = new Headers();
        foreach (var header in message.Headers)
        {
            headers.Add(header.Key, header.GetValueBytes());
        }

        headers.Add(ErrorHeader, Encoding.UTF8.GetBytes(error));
        headers.Add(SourceHeader, Encoding.UTF8.GetBytes($"{message.Topic}/{message.Partition}/{message.Offset}"));
        headers.Add(AttemptsHeader, Encoding.UTF8.GetBytes(attempts.ToString(CultureInfo.InvariantCulture)));
        var copy = new Message<byte[]?, byte[]?> { Key = message.KeyBytes, Value = message.Value, Headers = headers };
        await Producer().ProduceAsync(options.DeadLetterTopic!, copy, cancellationToken).ConfigureAwait(false);
    }

    public void Dispose() => _producer?.Dispose();

    private IProducer<byte[]?, byte[]?> Producer()
    {
        if (_producer is null)
        {
            var config = new ProducerConfig(new Dictionary<string, string>(options.DeadLetterProducer))
            {
                EnableIdempotence = true,
                Acks = Acks.All,
            };
            config.BootstrapServers ??= options.Consumer.BootstrapServers;
            _producer = new ProducerBuilder<byte[]?, byte[]?>(config).Build();
        }

        return _producer;
    }
}
