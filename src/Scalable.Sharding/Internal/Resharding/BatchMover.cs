using Npgsql;

namespace Scalable.Sharding.Internal.Resharding;

/// <summary>
/// Moves one batch of keys from a source shard to a target shard: lock and checksum at the source, replace-and-copy at the
/// target, verify count and checksum there, commit the target, then delete at the source and record progress in one
/// source transaction. A crash at any point leaves either the old state or rows on both shards, which a rerun repairs.
/// </summary>
internal sealed class BatchMover(ReshardingTable table, ProgressStore progress, string moveId)
{
    private const string KeyTable = "scalable_move_keys";

    public async Task<int> MoveAsync(NpgsqlConnection source, NpgsqlConnection target, Array keys, CancellationToken cancellationToken)
    {
        await using var sourceTransaction = await source.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(source, $"SELECT 1 FROM {table.QuotedName} WHERE {table.QuotedKey} = ANY(@keys) FOR UPDATE", keys, cancellationToken).ConfigureAwait(false);
        var expected = await ChecksumAsync(source, keys, cancellationToken).ConfigureAwait(false);
        if (expected.Rows == 0)
        {
            return 0;
        }

        await ExecuteAsync(source, $"CREATE TEMP TABLE {KeyTable} ON COMMIT DROP AS SELECT {table.QuotedKey} AS k FROM {table.QuotedName} WITH NO DATA", null, cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(source, $"INSERT INTO {KeyTable} SELECT unnest(@keys)", keys, cancellationToken).ConfigureAwait(false);
        var rows = await CopyOutAsync(source, cancellationToken).ConfigureAwait(false);

        await using (var targetTransaction = await target.BeginTransactionAsync(cancellationToken).ConfigureAwait(false))
        {
            // Rows left on the target by an interrupted earlier attempt are replaced, so a rerun never duplicates.
            await ExecuteAsync(target, $"DELETE FROM {table.QuotedName} WHERE {table.QuotedKey} = ANY(@keys)", keys, cancellationToken).ConfigureAwait(false);
            await CopyInAsync(target, rows, cancellationToken).ConfigureAwait(false);
            var actual = await ChecksumAsync(target, keys, cancellationToken).ConfigureAwait(false);
            if (actual != expected)
            {
                throw new ReshardingVerificationException(
                    $"Batch of {table.Name} did not verify on the target: source has {expected.Rows} rows (checksum {expected.Sum}), target has {actual.Rows} (checksum {actual.Sum}). " +
                    "Check that both shards have the same table definition (same columns in the same order).");
            }

            await targetTransaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }

        await ExecuteAsync(source, $"DELETE FROM {table.QuotedName} WHERE {table.QuotedKey} IN (SELECT k FROM {KeyTable})", null, cancellationToken).ConfigureAwait(false);
        await progress.RecordBatchAsync(source, moveId, table.Name, (int)expected.Rows, cancellationToken).ConfigureAwait(false);
        await sourceTransaction.CommitAsync(CancellationToken.None).ConfigureAwait(false);
        return (int)expected.Rows;
    }

    private async Task<(long Rows, decimal Sum)> ChecksumAsync(NpgsqlConnection connection, Array keys, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            $"SELECT count(*), coalesce(sum(hashtextextended(t::text, 0)), 0) FROM {table.QuotedName} t WHERE t.{table.QuotedKey} = ANY(@keys)", connection);
        command.Parameters.AddWithValue("keys", keys);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return (reader.GetInt64(0), reader.GetDecimal(1));
    }

    private async Task<byte[]> CopyOutAsync(NpgsqlConnection source, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var sql = $"COPY (SELECT t.* FROM {table.QuotedName} t WHERE t.{table.QuotedKey} IN (SELECT k FROM {KeyTable})) TO STDOUT (FORMAT BINARY)";
        await using (var stream = await source.BeginRawBinaryCopyAsync(sql, cancellationToken).ConfigureAwait(false))
        {
            await stream.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        }

        return buffer.ToArray();
    }

    private async Task CopyInAsync(NpgsqlConnection target, byte[] rows, CancellationToken cancellationToken)
    {
        await using var stream = await target.BeginRawBinaryCopyAsync($"COPY {table.QuotedName} FROM STDIN (FORMAT BINARY)", cancellationToken).ConfigureAwait(false);
        await stream.WriteAsync(rows, cancellationToken).ConfigureAwait(false);
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, Array? keys, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        if (keys is not null)
        {
            command.Parameters.AddWithValue("keys", keys);
        }

        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
