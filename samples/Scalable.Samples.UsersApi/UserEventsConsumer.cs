using System.Text.Json;
using Confluent.Kafka;
using Npgsql;
using Scalable.Messaging;
using Scalable.Sharding;

namespace Scalable.Samples.UsersApi;

/// <summary>Reads user events from Kafka and records each one exactly once (the inbox drops redeliveries) in the audit table of the user's shard.</summary>
internal sealed class UserEventsConsumer(ShardedDatabase database, SampleServers servers, ILogger<UserEventsConsumer> logger) : BackgroundService
{
    public const string ConsumerGroup = "users-audit";
    private readonly Inbox _inbox = new();

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
        => Task.Factory.StartNew(() => ConsumeLoopAsync(stoppingToken), stoppingToken, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();

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

    private async Task ConsumeLoopAsync(CancellationToken stoppingToken)
    {
        using var consumer = new ConsumerBuilder<string, byte[]>(new ConsumerConfig
        {
            BootstrapServers = servers.Kafka,
            GroupId = ConsumerGroup,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoOffsetStore = false, // an offset is stored only after its event is recorded
        }).Build();
        consumer.Subscribe(SampleServers.Topic);
        while (!stoppingToken.IsCancellationRequested)
        {
            ConsumeResult<string, byte[]>? result = null;
            try
            {
                result = consumer.Consume(TimeSpan.FromMilliseconds(250));
                if (result is null)
                {
                    continue;
                }

                await RecordAsync(result, stoppingToken);
                consumer.StoreOffset(result);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (JsonException ex)
            {
                // Not a user event, and it never will be: skip it rather than block its partition.
                logger.LogError(ex, "Skipped a message that is not a user event at {Offset}.", result!.TopicPartitionOffset);
                consumer.StoreOffset(result);
            }
            catch (Exception ex) when (ex is ConsumeException or NpgsqlException)
            {
                logger.LogWarning(ex, "Could not process a user event; it will be read again.");
                if (result is not null)
                {
                    // The consumer has moved past it: go back, or the next offset stored would commit past an unrecorded event.
                    consumer.Seek(result.TopicPartitionOffset);
                }

                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken);
            }
        }

        consumer.Close();
    }

    private async Task RecordAsync(ConsumeResult<string, byte[]> result, CancellationToken cancellationToken)
    {
        if (!Inbox.TryGetMessageId(result.Message.Headers, out var messageId))
        {
            logger.LogWarning("Skipped a message without a message id at {Offset}.", result.TopicPartitionOffset);
            return;
        }

        var change = JsonSerializer.Deserialize<UserEvent>(result.Message.Value)!;
        await using var connection = await database.OpenConnectionAsync(change.UserId, cancellationToken: cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (await _inbox.TryRecordAsync(transaction, ConsumerGroup, messageId, cancellationToken))
        {
            await using var insert = new NpgsqlCommand("INSERT INTO user_events (message_id, type, user_id) VALUES ($1, $2, $3)", connection, transaction);
            insert.Parameters.Add(new() { Value = messageId });
            insert.Parameters.Add(new() { Value = change.Type });
            insert.Parameters.Add(new() { Value = change.UserId });
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }
}
