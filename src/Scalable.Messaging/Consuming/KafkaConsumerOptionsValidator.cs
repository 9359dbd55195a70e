using Confluent.Kafka;
using Microsoft.Extensions.Options;
using Npgsql;
using Scalable.Messaging.Internal;

namespace Scalable.Messaging.Consuming;

// Checks every Kafka consumer's options once at host start; each message names the setting to change.
internal sealed class KafkaConsumerOptionsValidator : IValidateOptions<KafkaConsumerOptions>
{
    public ValidateOptionsResult Validate(string? name, KafkaConsumerOptions options)
    {
        var errors = new List<string>();
        void Require(bool ok, string message)
        {
            if (!ok)
            {
                errors.Add($"KafkaConsumerOptions['{name}'].{message}");
            }
        }

        Require(options.Consumer is not null, "Consumer must be set.");
        if (options.Consumer is not null)
        {
            Require(!string.IsNullOrWhiteSpace(options.Consumer.BootstrapServers), "Consumer.BootstrapServers must be set.");
            Require(!string.IsNullOrWhiteSpace(options.Consumer.GroupId), "Consumer.GroupId must be set: it names the consumer group and the inbox records.");
            Require(options.Consumer.EnableAutoOffsetStore is null or false, "Consumer.EnableAutoOffsetStore must stay false: an offset is stored only after its message is committed in the database.");
            Require(options.Consumer.EnableAutoCommit is null or true, "Consumer.EnableAutoCommit must stay true: it commits the offsets the loop stored.");
        }

        Require(options.Topics is { Count: > 0 } && options.Topics.All(t => !string.IsNullOrWhiteSpace(t)), "Topics must name at least one topic, none empty.");
        CheckConnection(options, Require);
        Require(SqlIdentifier.IsValid(options.Schema), $"Schema '{options.Schema}' is not a valid identifier: use 1 to {SqlIdentifier.MaxLength} lower-case letters, digits or underscores, starting with a letter or underscore.");
        Require(SqlIdentifier.IsValid(options.TablePrefix) && OutboxTables.FitsPrefix(options.TablePrefix), $"TablePrefix '{options.TablePrefix}' is not valid: use the outbox's table prefix.");
        Require(options.MaxAttempts >= 1, $"MaxAttempts must be at least 1 (was {options.MaxAttempts}).");
        Require(options.InitialRetryDelay > TimeSpan.Zero, "InitialRetryDelay must be positive.");
        Require(options.MaxRetryDelay >= options.InitialRetryDelay, "MaxRetryDelay must be at least InitialRetryDelay.");
        Require(Enum.IsDefined(options.DeadLetterTarget), $"DeadLetterTarget {options.DeadLetterTarget} is not Table or Topic.");
        if (options.DeadLetterTarget == ConsumerDeadLetterTarget.Table)
        {
            Require(SqlIdentifier.IsValid(options.DeadLetterTable), $"DeadLetterTable '{options.DeadLetterTable}' is not a valid identifier: use 1 to {SqlIdentifier.MaxLength} lower-case letters, digits or underscores, starting with a letter or underscore.");
        }
        else if (options.DeadLetterTarget == ConsumerDeadLetterTarget.Topic)
        {
            Require(!string.IsNullOrWhiteSpace(options.DeadLetterTopic), "DeadLetterTopic must be set when DeadLetterTarget is Topic.");
            Require(options.Topics is null || !options.Topics.Contains(options.DeadLetterTopic!), "DeadLetterTopic must not be one of Topics: a dead letter would be consumed again.");
            Require(options.DeadLetterProducer is not null, "DeadLetterProducer must be set when DeadLetterTarget is Topic.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void CheckConnection(KafkaConsumerOptions options, Action<bool, string> require)
    {
        if (options.ConnectionFactory is not null || options.DataSource is not null)
        {
            return;
        }

        require(!string.IsNullOrWhiteSpace(options.ConnectionString), "ConnectionString, DataSource or ConnectionFactory must be set: the inbox and the handler's effects live in that database.");
        if (!string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            try
            {
                _ = new NpgsqlConnectionStringBuilder(options.ConnectionString);
            }
            catch (ArgumentException ex)
            {
                require(false, $"ConnectionString is not valid: {ex.Message}");
            }
        }
    }
}
