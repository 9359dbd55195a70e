using System.Text.Json;
using Npgsql;
using Scalable.Messaging;
using Scalable.Sharding;

namespace Scalable.Samples.UsersApi;

/// <summary>Records each user event from Kafka exactly once in the audit table of the user's shard; the package's consumer loop runs it inside the inbox transaction.</summary>
internal sealed class UserEventsConsumer(ShardedDatabase database) : IKafkaMessageHandler
{
    public const string ConsumerGroup = "users-audit";

    /// <summary>Sets the consumer options: the group, the topic, and the user's shard as the database of each message.</summary>
    public static void Configure(KafkaConsumerOptions options, SampleServers servers)
    {
        options.Consumer.BootstrapServers = servers.Kafka;
        options.Consumer.GroupId = ConsumerGroup;
        options.Topics = [SampleServers.Topic];
        options.ConnectionFactory = (services, message, cancellationToken) =>
            services.GetRequiredService<ShardedDatabase>().OpenConnectionAsync(Guid.TryParse(message.Key, out var userId) ? userId : Guid.Empty, cancellationToken: cancellationToken);
        options.MaxAttempts = 10; // an event that still fails after about a minute goes to the shard's dead-letter table
    }

    public async Task HandleAsync(ConsumedMessage message, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        var change = JsonSerializer.Deserialize<UserEvent>(message.Value)!;
        await using var insert = new NpgsqlCommand("INSERT INTO user_events (message_id, type, user_id) VALUES ($1, $2, $3)", transaction.Connection, transaction);
        insert.Parameters.Add(new() { Value = message.MessageId });
        insert.Parameters.Add(new() { Value = change.Type });
        insert.Parameters.Add(new() { Value = change.UserId });
        await insert.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<AuditedEvent>> ReadAsync(Guid userId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(userId, cancellationToken: cancellationToken);
        await using var command = new NpgsqlCommand("SELECT message_id, type, user_id, received_at FROM user_events WHERE user_id = $1 ORDER BY received_at", connection);
        command.Parameters.Add(new() { Value = userId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var events = new List<AuditedEvent>();
        while (await reader.ReadAsync(cancellationToken))
        {
            events.Add(new AuditedEvent(reader.GetGuid(0), reader.GetString(1), reader.GetGuid(2), reader.GetFieldValue<DateTimeOffset>(3)));
        }

        return events;
    }
}
