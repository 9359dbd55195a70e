using System.Diagnostics;
using System.Runtime.InteropServices;
using Npgsql;
using NpgsqlTypes;

namespace Scalable.Messaging.Internal;

// Validates every message first, then in one round trip: locks the keys, writes all rows with one INSERT ... SELECT FROM
// unnest, in order, and queues the relays' wake-up notification.
internal sealed class OutboxEnqueuer(string name, OutboxTables tables, ScalableMessagingOptions options, TimeProvider timeProvider)
{
    // Per-key order is commit order: a transaction that enqueues a key waits until every earlier transaction that enqueued
    // it has finished, so the ids of a key's rows grow in the order their transactions commit, and the relay, which
    // publishes a key in id order, can never see a later row of the key before an earlier one is committed.
    // The hashes come sorted from the caller, and unnest keeps array order, so locks are always taken in one order.
    private readonly string _lockSql = $"SELECT pg_advisory_xact_lock({tables.KeyLockSpace}, h) FROM unnest($1::int[]) AS h";

    // Sent at commit only; notifications of one transaction with equal payloads are folded into one.
    private readonly string _notifySql = $"SELECT pg_notify('{tables.Channel}', '')";

    private readonly string _sql = $"""
        INSERT INTO {tables.Messages} (message_id, bucket, topic, key, payload, headers, traceparent, tracestate, created_at)
        SELECT u.m, u.b, u.t, u.k, u.p, u.h, $7, $8, $9
        FROM unnest($1::uuid[], $2::int[], $3::text[], $4::text[], $5::bytea[], $6::bytea[]) WITH ORDINALITY AS u(m, b, t, k, p, h, n)
        ORDER BY u.n
        """;

    public async ValueTask<IReadOnlyList<Guid>> EnqueueAsync(NpgsqlTransaction transaction, IReadOnlyList<OutboxMessage> messages, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        ArgumentNullException.ThrowIfNull(messages);
        for (var i = 0; i < messages.Count; i++)
        {
            MessageValidator.Validate(messages[i], options.MaxPayloadBytes, i);
        }

        if (messages.Count == 0)
        {
            return [];
        }

        var ids = new Guid[messages.Count];
        var buckets = new int[messages.Count];
        var topics = new string[messages.Count];
        var keys = new string?[messages.Count];
        var payloads = new byte[messages.Count][];
        var headers = new byte[]?[messages.Count];
        for (var i = 0; i < messages.Count; i++)
        {
            var message = messages[i];
            ids[i] = Guid.NewGuid();
            buckets[i] = StableHash.Bucket(message.Key, ids[i], options.BucketCount);
            topics[i] = message.Topic;
            keys[i] = message.Key;
            payloads[i] = AsArray(message.Payload);
            headers[i] = HeaderCodec.Encode(message.Headers);
        }

        var activity = Activity.Current;
        var traceParent = activity?.IdFormat == ActivityIdFormat.W3C ? activity.Id : null;
        await using var batch = TransactionCommand.CreateBatch(transaction);
        var keyLocks = keys.Where(k => k is not null).Select(k => (int)StableHash.Of(k!)).Distinct().Order().ToArray();
        if (keyLocks.Length > 0)
        {
            var locks = new NpgsqlBatchCommand(_lockSql);
            locks.Parameters.Add(new NpgsqlParameter { Value = keyLocks, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Integer });
            batch.BatchCommands.Add(locks);
        }

        var command = new NpgsqlBatchCommand(_sql);
        batch.BatchCommands.Add(command);
        command.Parameters.Add(new NpgsqlParameter { Value = ids, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid });
        command.Parameters.Add(new NpgsqlParameter { Value = buckets, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Integer });
        command.Parameters.Add(new NpgsqlParameter { Value = topics, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = keys, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = payloads, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea });
        command.Parameters.Add(new NpgsqlParameter { Value = headers, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)traceParent ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)(traceParent is null ? null : activity!.TraceStateString) ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = timeProvider.GetUtcNow(), NpgsqlDbType = NpgsqlDbType.TimestampTz });
        if (options.NotifyOnEnqueue)
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand(_notifySql));
        }

        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        OutboxTelemetry.Enqueued.Add(messages.Count, new KeyValuePair<string, object?>(OutboxTelemetry.OutboxTag, name));
        return ids;
    }

    private static byte[] AsArray(ReadOnlyMemory<byte> payload)
        => MemoryMarshal.TryGetArray(payload, out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length
            ? segment.Array
            : payload.ToArray();
}
