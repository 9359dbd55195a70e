using System.Text;
using Confluent.Kafka;
using Npgsql;
using NpgsqlTypes;
using Scalable.Messaging.Internal;

namespace Scalable.Messaging;

/// <summary>An idempotent-consumer helper: records processed message ids in PostgreSQL inside the handler's transaction, so a redelivered message has no second effect.</summary>
public sealed class Inbox
{
    private readonly string _insertSql;
    private readonly string _purgeSql;

    /// <summary>Creates an inbox over the processed-messages table of an outbox schema (created by <see cref="Outbox.EnsureSchemaAsync"/>).</summary>
    /// <param name="schema">The schema, as in <see cref="ScalableMessagingOptions.Schema"/>.</param>
    /// <param name="tablePrefix">The table prefix, as in <see cref="ScalableMessagingOptions.TablePrefix"/>.</param>
    /// <exception cref="ArgumentException">The schema or prefix is not a valid identifier.</exception>
    public Inbox(string schema = "scalable", string tablePrefix = "outbox")
    {
        if (!SqlIdentifier.IsValid(schema))
        {
            throw new ArgumentException($"'{schema}' is not a valid schema name: use lower-case letters, digits or underscores.", nameof(schema));
        }

        if (!SqlIdentifier.IsValid(tablePrefix) || !OutboxTables.FitsPrefix(tablePrefix))
        {
            throw new ArgumentException($"'{tablePrefix}' is not a valid table prefix: use lower-case letters, digits or underscores, at most {SqlIdentifier.MaxLength - OutboxTables.LongestSuffixLength} characters.", nameof(tablePrefix));
        }

        var tables = new OutboxTables(schema, tablePrefix);
        _insertSql = $"INSERT INTO {tables.Processed} (consumer_group, message_id) VALUES ($1, $2) ON CONFLICT DO NOTHING";
        _purgeSql = BatchedPurge.Sql(tables.Processed, "processed_at");
    }

    /// <summary>Records that a consumer group processed a message, inside the handler's transaction; false means it was processed before and the handler must skip it.</summary>
    /// <param name="transaction">The handler's open transaction (its effects and this record commit together).</param>
    /// <param name="consumerGroup">The consumer group (or handler) name.</param>
    /// <param name="messageId">The message id from the <see cref="OutboxHeaders.MessageId"/> header.</param>
    /// <param name="cancellationToken">Cancels the statement.</param>
    /// <returns>True the first time, false for a duplicate.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="transaction"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="consumerGroup"/> is empty or the transaction is completed.</exception>
    public async ValueTask<bool> TryRecordAsync(NpgsqlTransaction transaction, string consumerGroup, Guid messageId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        ArgumentException.ThrowIfNullOrEmpty(consumerGroup);
        await using var command = TransactionCommand.Create(_insertSql, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = consumerGroup, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = messageId, NpgsqlDbType = NpgsqlDbType.Uuid });
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    /// <summary>Deletes records older than a point in time, in small batches of one short transaction each, so handlers are never locked out.</summary>
    /// <param name="dataSource">The database that holds the inbox table.</param>
    /// <param name="olderThan">Records processed before this are deleted; keep them longer than any redelivery can take.</param>
    /// <param name="batchSize">Rows deleted per transaction.</param>
    /// <param name="cancellationToken">Stops between batches.</param>
    /// <returns>How many records were deleted.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="dataSource"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="batchSize"/> is not positive.</exception>
    public Task<long> PurgeAsync(NpgsqlDataSource dataSource, DateTimeOffset olderThan, int batchSize = 1000, CancellationToken cancellationToken = default)
        => BatchedPurge.RunAsync(dataSource, _purgeSql, olderThan, batchSize, cancellationToken);

    /// <summary>Reads the message id the outbox relay put in a Kafka message's headers.</summary>
    /// <param name="headers">The message headers.</param>
    /// <param name="messageId">The message id, when found.</param>
    /// <returns>True if the header is present and holds a UUID.</returns>
    public static bool TryGetMessageId(Headers? headers, out Guid messageId)
    {
        messageId = Guid.Empty;
        return headers is not null
            && headers.TryGetLastBytes(OutboxHeaders.MessageId, out var bytes)
            && Guid.TryParse(Encoding.UTF8.GetString(bytes), out messageId);
    }
}
