using System.Globalization;
using Npgsql;

namespace Scalable.Messaging.Internal;

// Brings one outbox's schema to the latest version. When it is already there (every start but the first), it only reads
// the version row: no DDL and no table lock, so running relays and writers never wait for a host that starts.
internal sealed class SchemaStep(string name, OutboxTables tables, ScalableMessagingOptions options)
{
    public async Task ApplyAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        if (await ReadAsync(connection, null, cancellationToken).ConfigureAwait(false) is { } found && Check(found) >= SchemaSql.Latest)
        {
            return;
        }

        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        // A migration that would wait for a lock gives up instead of queueing writers behind it; the host retries later.
        var lockTimeout = ((long)options.SchemaLockTimeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
        await ExecuteAsync(connection, transaction, $"SET LOCAL lock_timeout = {lockTimeout}; SELECT pg_advisory_xact_lock({tables.LockSpace}, -1);", cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection, transaction, SchemaSql.VersionTable(tables), cancellationToken).ConfigureAwait(false);
        var current = await ReadAsync(connection, transaction, cancellationToken).ConfigureAwait(false) is { } row ? Check(row) : 0;
        for (var version = current + 1; version <= SchemaSql.Latest; version++)
        {
            await ExecuteAsync(connection, transaction, SchemaSql.Migration(tables, version), cancellationToken).ConfigureAwait(false);
        }

        if (current < SchemaSql.Latest)
        {
            await using var write = new NpgsqlCommand(SchemaSql.WriteVersion(tables), connection, transaction);
            write.Parameters.Add(new NpgsqlParameter { Value = SchemaSql.Latest });
            write.Parameters.Add(new NpgsqlParameter { Value = options.BucketCount });
            await write.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    // For processes that only enqueue: reads the version row (if the schema exists yet) and checks the bucket count.
    public async Task VerifyAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        if (await ReadAsync(connection, null, cancellationToken).ConfigureAwait(false) is { } found)
        {
            Check(found);
        }
    }

    private async Task<(int Version, int BucketCount)?> ReadAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, CancellationToken cancellationToken)
    {
        await using (var exists = new NpgsqlCommand("SELECT to_regclass($1) IS NOT NULL", connection, transaction))
        {
            exists.Parameters.Add(new NpgsqlParameter { Value = tables.Version });
            if (await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not true)
            {
                return null;
            }
        }

        await using var read = new NpgsqlCommand(SchemaSql.ReadVersion(tables), connection, transaction);
        await using var reader = await read.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? (reader.GetInt32(0), reader.GetInt32(1)) : null;
    }

    private int Check((int Version, int BucketCount) found)
    {
        if (found.BucketCount != options.BucketCount)
        {
            var setting = string.IsNullOrEmpty(name) ? "ScalableMessagingOptions" : $"ScalableMessagingOptions['{name}']";
            throw new InvalidOperationException(
                $"{setting}.BucketCount is {options.BucketCount}, but the outbox {tables.Messages} was created with {found.BucketCount} buckets: "
                + $"set BucketCount = {found.BucketCount} in every process of this outbox (a key in two buckets loses its order). "
                + $"To change it, stop every relay and writer, drain the outbox, then update bucket_count in {tables.Version}.");
        }

        // A version above Latest means a newer release migrated already; it keeps what this one reads and writes.
        return found.Version;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
