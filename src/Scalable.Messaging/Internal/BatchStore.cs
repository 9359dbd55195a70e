using Npgsql;
using NpgsqlTypes;

namespace Scalable.Messaging.Internal;

// The relay's SQL: lock buckets that have rows, read the due rows of those buckets in id order, and record a batch's outcome in one round trip.
internal sealed class BatchStore(OutboxTables tables, ScalableMessagingOptions options)
{
    // CASE fixes the evaluation order: only buckets that have rows are locked, and LIMIT stops locking once enough are held.
    private readonly string _claimSql = $"""
        SELECT b FROM unnest($1::int[]) AS b
        WHERE CASE WHEN EXISTS (SELECT 1 FROM {tables.Messages} o WHERE o.bucket = b) THEN pg_try_advisory_xact_lock({tables.LockSpace}, b) ELSE false END
        LIMIT $2
        """;

    // A key is skipped from its first message that waits for a retry, and entirely while it is held. Each bucket is read
    // through its (bucket, id) index, in id order, stopping at its share of the batch ($4), so a read costs about the batch
    // size however long the backlog. The two checks are scalar sub-selects on purpose: written as NOT EXISTS, PostgreSQL
    // turns them into anti joins that read and sort every row of the bucket before the limit applies.
    private readonly string _readSql = $"""
        SELECT r.id, r.message_id, r.topic, r.key, r.payload, r.headers, r.traceparent, r.tracestate, r.created_at, r.attempts
        FROM unnest($1::int[]) AS b(bucket)
        CROSS JOIN LATERAL (
            SELECT o.id, o.message_id, o.topic, o.key, o.payload, o.headers, o.traceparent, o.tracestate, o.created_at, o.attempts
            FROM {tables.Messages} o
            WHERE o.bucket = b.bucket AND (o.next_attempt_at IS NULL OR o.next_attempt_at <= $2)
              AND NOT (SELECT EXISTS (SELECT 1 FROM {tables.Messages} p
                                      WHERE p.next_attempt_at IS NOT NULL AND p.bucket = o.bucket AND p.key = o.key AND p.id < o.id AND p.next_attempt_at > $2))
              AND NOT (SELECT EXISTS (SELECT 1 FROM {tables.HeldKeys} h WHERE h.key = o.key))
            ORDER BY o.id
            LIMIT $4) AS r
        ORDER BY r.id
        LIMIT $3
        """;

    private readonly string _deleteSql = $"DELETE FROM {tables.Messages} WHERE id = ANY($1)";

    private readonly string _retrySql = $"""
        UPDATE {tables.Messages} AS m SET attempts = m.attempts + 1, next_attempt_at = v.n, last_error = v.e
        FROM unnest($1::bigint[], $2::timestamptz[], $3::text[]) AS v(id, n, e) WHERE m.id = v.id
        """;

    private readonly string _deadLetterSql = $"""
        WITH moved AS (
            DELETE FROM {tables.Messages} AS m USING unnest($1::bigint[], $2::text[]) AS v(id, e) WHERE m.id = v.id
            RETURNING m.id, m.message_id, m.topic, m.key, m.payload, m.headers, m.traceparent, m.tracestate, m.created_at, m.attempts, v.e)
        INSERT INTO {tables.DeadLetters} (id, message_id, topic, key, payload, headers, traceparent, tracestate, created_at, attempts, last_error, dead_lettered_at)
        SELECT id, message_id, topic, key, payload, headers, traceparent, tracestate, created_at, attempts + 1, e, $3 FROM moved
        ON CONFLICT (id) DO NOTHING
        """;

    private readonly string _holdSql = $"""
        INSERT INTO {tables.HeldKeys} (key, message_id, held_at)
        SELECT k, m, $3 FROM unnest($1::text[], $2::uuid[]) AS v(k, m) WHERE k IS NOT NULL
        ON CONFLICT (key) DO NOTHING
        """;

    public async Task<int[]> ClaimBucketsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, int[] candidates, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(_claimSql, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = candidates, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Integer });
        command.Parameters.Add(new NpgsqlParameter { Value = options.BucketsPerClaim, NpgsqlDbType = NpgsqlDbType.Integer });
        var claimed = new List<int>(options.BucketsPerClaim);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            claimed.Add(reader.GetInt32(0));
        }

        return [.. claimed];
    }

    public async Task ReadAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, int[] buckets, DateTimeOffset now, int limit, List<OutboxRow> rows, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(_readSql, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = buckets, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Integer });
        command.Parameters.Add(new NpgsqlParameter { Value = now, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter { Value = limit, NpgsqlDbType = NpgsqlDbType.Integer });
        // Each bucket's share of the batch: a batch may come out smaller when the rows are uneven, and the relay then claims more buckets.
        command.Parameters.Add(new NpgsqlParameter { Value = (limit + buckets.Length - 1) / buckets.Length, NpgsqlDbType = NpgsqlDbType.Integer });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(new OutboxRow(
                reader.GetInt64(0),
                reader.GetGuid(1),
                reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetString(3),
                reader.GetFieldValue<byte[]>(4),
                reader.IsDBNull(5) ? null : reader.GetFieldValue<byte[]>(5),
                reader.IsDBNull(6) ? null : reader.GetString(6),
                reader.IsDBNull(7) ? null : reader.GetString(7),
                reader.GetFieldValue<DateTimeOffset>(8),
                reader.GetInt32(9)));
        }
    }

    public async Task MarkAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, BatchResult result, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection, transaction);
        if (result.Delivered.Count > 0)
        {
            batch.BatchCommands.Add(Command(_deleteSql, Array(result.Delivered, NpgsqlDbType.Bigint)));
        }

        if (result.Retries.Count > 0)
        {
            batch.BatchCommands.Add(Command(
                _retrySql,
                Array(result.Retries.Select(r => r.Row.Id).ToArray(), NpgsqlDbType.Bigint),
                Array(result.Retries.Select(r => r.NextAttemptAt).ToArray(), NpgsqlDbType.TimestampTz),
                Array(result.Retries.Select(r => r.Error).ToArray(), NpgsqlDbType.Text)));
        }

        if (result.DeadLetters.Count > 0)
        {
            batch.BatchCommands.Add(Command(
                _deadLetterSql,
                Array(result.DeadLetters.Select(r => r.Row.Id).ToArray(), NpgsqlDbType.Bigint),
                Array(result.DeadLetters.Select(r => r.Error).ToArray(), NpgsqlDbType.Text),
                new NpgsqlParameter { Value = now, NpgsqlDbType = NpgsqlDbType.TimestampTz }));
            if (options.HoldKeyAfterDeadLetter)
            {
                batch.BatchCommands.Add(Command(
                    _holdSql,
                    Array(result.DeadLetters.Select(r => r.Row.Key).ToArray(), NpgsqlDbType.Text),
                    Array(result.DeadLetters.Select(r => r.Row.MessageId).ToArray(), NpgsqlDbType.Uuid),
                    new NpgsqlParameter { Value = now, NpgsqlDbType = NpgsqlDbType.TimestampTz }));
            }
        }

        if (batch.BatchCommands.Count > 0)
        {
            await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private static NpgsqlBatchCommand Command(string sql, params NpgsqlParameter[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.AddRange(parameters);
        return command;
    }

    private static NpgsqlParameter Array<T>(IReadOnlyCollection<T> values, NpgsqlDbType elementType)
        => new() { Value = values, NpgsqlDbType = NpgsqlDbType.Array | elementType };
}
