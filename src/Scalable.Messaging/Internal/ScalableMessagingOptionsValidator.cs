using Confluent.Kafka;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Scalable.Messaging.Internal;

// Checks every outbox's options once at host start; each message names the setting to change.
internal sealed class ScalableMessagingOptionsValidator : IValidateOptions<ScalableMessagingOptions>
{
    public const int DefaultMessageMaxBytes = 1_000_000; // librdkafka's default message.max.bytes
    public const int RecordAllowance = 16 * 1024;

    public ValidateOptionsResult Validate(string? name, ScalableMessagingOptions options)
    {
        var errors = new List<string>();
        var prefix = string.IsNullOrEmpty(name) ? "ScalableMessagingOptions" : $"ScalableMessagingOptions['{name}']";
        void Require(bool ok, string message)
        {
            if (!ok)
            {
                errors.Add($"{prefix}.{message}");
            }
        }

        CheckConnection(options, Require);
        Require(SqlIdentifier.IsValid(options.Schema), $"Schema '{options.Schema}' is not a valid identifier: use 1 to {SqlIdentifier.MaxLength} lower-case letters, digits or underscores, starting with a letter or underscore.");
        Require(SqlIdentifier.IsValid(options.TablePrefix) && OutboxTables.FitsPrefix(options.TablePrefix), $"TablePrefix '{options.TablePrefix}' is not valid: use 1 to {SqlIdentifier.MaxLength - OutboxTables.LongestSuffixLength} lower-case letters, digits or underscores, starting with a letter or underscore.");
        Require(options.Producer is not null, "Producer must be set.");
        if (options.Producer is not null)
        {
            Require(options.RelayCount == 0 || !string.IsNullOrWhiteSpace(options.Producer.BootstrapServers), "Producer.BootstrapServers must be set for the relay.");
            Require(options.Producer.EnableIdempotence is null or true, "Producer.EnableIdempotence must stay true: per-key order across retries depends on it.");
            Require(options.Producer.Acks is null or Acks.All, "Producer.Acks must stay All: a message is removed from the outbox only once every in-sync replica has it.");
            Require(options.Producer.MaxInFlight is null or (>= 1 and <= 5), $"Producer.MaxInFlight must be between 1 and 5 (was {options.Producer.MaxInFlight}): the idempotent producer keeps order only up to 5 requests in flight.");
        }

        Require(options.MaxPayloadBytes > 0, $"MaxPayloadBytes must be positive (was {options.MaxPayloadBytes}).");
        var producerLimit = options.Producer?.MessageMaxBytes ?? DefaultMessageMaxBytes;
        Require(
            options.MaxPayloadBytes <= producerLimit - RecordAllowance,
            $"MaxPayloadBytes ({options.MaxPayloadBytes}) must be at most Producer.MessageMaxBytes (message.max.bytes, {producerLimit}) minus {RecordAllowance} bytes for the key, headers and record framing: a larger message would be accepted and could never be delivered. Lower MaxPayloadBytes or raise Producer.MessageMaxBytes (and the topic's max.message.bytes).");
        Require(options.SchemaLockTimeout > TimeSpan.Zero, "SchemaLockTimeout must be positive.");
        Require(options.BucketCount is >= 1 and <= 4096, $"BucketCount must be between 1 and 4096 (was {options.BucketCount}).");
        Require(options.BucketsPerClaim >= 1 && options.BucketsPerClaim <= options.BucketCount, $"BucketsPerClaim must be between 1 and BucketCount (was {options.BucketsPerClaim}).");
        Require(options.BatchSize is >= 1 and <= 50_000, $"BatchSize must be between 1 and 50000 (was {options.BatchSize}).");
        Require(options.RelayCount is >= 0 and <= 64, $"RelayCount must be between 0 and 64 (was {options.RelayCount}).");
        Require(options.PollingInterval > TimeSpan.Zero, "PollingInterval must be positive.");
        Require(options.MaxAttempts >= 1, $"MaxAttempts must be at least 1 (was {options.MaxAttempts}).");
        Require(options.InitialRetryDelay > TimeSpan.Zero, "InitialRetryDelay must be positive.");
        Require(options.MaxRetryDelay >= options.InitialRetryDelay, "MaxRetryDelay must be at least InitialRetryDelay.");
        Require(options.MetricsInterval > TimeSpan.Zero, "MetricsInterval must be positive.");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void CheckConnection(ScalableMessagingOptions options, Action<bool, string> require)
    {
        if (options.DataSource is not null)
        {
            return;
        }

        require(!string.IsNullOrWhiteSpace(options.ConnectionString), "ConnectionString or DataSource must be set: the outbox lives in that database.");
        if (!string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            try
            {
                _ = new NpgsqlConnectionStringBuilder(options.ConnectionString);
            }
            catch (ArgumentException ex)
            {
                require(false, $"ConnectionString is not a valid Npgsql connection string: {ex.Message}");
            }
        }
    }
}
