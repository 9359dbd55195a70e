using Npgsql;
using NpgsqlTypes;

namespace Scalable.Messaging.Internal;

// Lists dead letters in id order and moves them back into the outbox with their original ids, so a replayed message keeps
// its place among its key's messages: before the key's later messages while the key is held, and in order among themselves.
internal sealed class DeadLetterStore(OutboxTables tables, ScalableMessagingOptions options)
{
    private readonly string _listSql = $"""
        SELECT id, message_id, topic, key, payload, attempts, last_error, created_at, dead_lettered_at FROM {tables.DeadLetters}
        WHERE ($1::text IS NULL OR key = $1) AND id > $2 ORDER BY id LIMIT $3
        """;

    private readonly string _pickSql = $"""
        SELECT id, message_id, key FROM {tables.DeadLetters} WHERE ($1::text IS NULL OR key = $1) ORDER BY id LIMIT $2 FOR UPDATE
        """;

    private readonly string _moveSql = $"""
        WITH moved AS (
            DELETE FROM {tables.DeadLetters} AS d USING unnest($1::bigint[], $2::int[]) AS v(id, b) WHERE d.id = v.id
            RETURNING d.id, d.message_id, v.b, d.topic, d.key, d.payload, d.headers, d.traceparent, d.tracestate, d.created_at)
        INSERT INTO {tables.Messages} (id, message_id, bucket, topic, key, payload, headers, traceparent, tracestate, created_at)
        OVERRIDING SYSTEM VALUE
        SELECT id, message_id, b, topic, key, payload, headers, traceparent, tracestate, created_at FROM moved ORDER BY id
        """;

    private readonly string _releaseSql = $"DELETE FROM {tables.HeldKeys} WHERE key = ANY($1)";

    public async Task<IReadOnlyList<DeadLetter>> ListAsync(NpgsqlDataSource dataSource, string? key, long afterId, int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(_listSql);
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)key ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = afterId });
        command.Parameters.Add(new NpgsqlParameter { Value = limit });
        var result = new List<DeadLetter>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            result.Add(new DeadLetter(
                reader.GetInt64(0),
                reader.GetGuid(1),
                reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetString(3),
                reader.GetFieldValue<byte[]>(4),
                reader.GetInt32(5),
                reader.IsDBNull(6) ? null : reader.GetString(6),
                reader.GetFieldValue<DateTimeOffset>(7),
                reader.GetFieldValue<DateTimeOffset>(8)));
        }

        return result;
    }

    public async Task<int> ReplayAsync(NpgsqlDataSource dataSource, string? key, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var ids = new List<long>();
        var buckets = new List<int>();
        var keys = new HashSet<string>(StringComparer.Ordinal);
        await using (var pick = new NpgsqlCommand(_pickSql, connection, transaction))
        {
            pick.Parameters.Add(new NpgsqlParameter { Value = (object?)key ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
            pick.Parameters.Add(new NpgsqlParameter { Value = limit });
            await using var reader = await pick.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var rowKey = reader.IsDBNull(2) ? null : reader.GetString(2);
                ids.Add(reader.GetInt64(0));
                buckets.Add(StableHash.Bucket(rowKey, reader.GetGuid(1), options.BucketCount));
                if (rowKey is not null)
                {
                    keys.Add(rowKey);
                }
            }
        }

        if (ids.Count > 0)
        {
            await using var batch = new NpgsqlBatch(connection, transaction);
            var move = new NpgsqlBatchCommand(_moveSql);
            move.Parameters.Add(new NpgsqlParameter { Value = ids.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
            move.Parameters.Add(new NpgsqlParameter { Value = buckets.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Integer });
            var release = new NpgsqlBatchCommand(_releaseSql);
            release.Parameters.Add(new NpgsqlParameter { Value = keys.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
            batch.BatchCommands.Add(move);
            batch.BatchCommands.Add(release);
            batch.BatchCommands.Add(new NpgsqlBatchCommand($"SELECT pg_notify('{tables.Channel}', '')"));
            await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return ids.Count;
    }
}
