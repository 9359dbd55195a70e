using Npgsql;

namespace Scalable.Sharding.Internal.Resharding;

/// <summary>
/// Moves one batch of keys from a source shard to a target shard: lock the rows at the source, settle rows already on
/// the target (replace or keep), copy the rest with binary COPY, verify count and checksum on the target, commit the
/// target, then delete at the source and record progress in one source transaction. A crash at any point leaves either
/// the old state or rows on both shards, which a rerun repairs.
/// </summary>
internal sealed class BatchMover(ReshardingTable table, ProgressStore progress, string moveId, ExistingTargetRows existingRows)
{
    private const string KeyTable = "scalable_move_keys";
    private string? _columns;

    /// <summary>Moves the batch and returns (rows copied, source rows dropped because the target's row was kept).</summary>
    public async Task<(int Copied, int Kept)> MoveAsync(NpgsqlConnection source, NpgsqlConnection target, Array keys, CancellationToken cancellationToken)
    {
        await using var sourceTransaction = await source.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var locked = await ScalarAsync<long>(source, $"SELECT count(*) FROM (SELECT 1 FROM {table.QuotedName} WHERE {table.QuotedKey} = ANY(@keys) FOR UPDATE) locked", keys, cancellationToken).ConfigureAwait(false);
        if (locked == 0)
        {
            return (0, 0);
        }

        var copyKeys = keys;
        await using (var targetTransaction = await target.BeginTransactionAsync(cancellationToken).ConfigureAwait(false))
        {
            if (existingRows == ExistingTargetRows.Keep)
            {
                copyKeys = await KeysNotOnTargetAsync(target, keys, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                // Rows left on the target by an interrupted earlier attempt are replaced, so a rerun never duplicates.
                await NonQueryAsync(target, $"DELETE FROM {table.QuotedName} WHERE {table.QuotedKey} = ANY(@keys)", keys, cancellationToken).ConfigureAwait(false);
            }

            var expected = await ChecksumAsync(source, copyKeys, cancellationToken).ConfigureAwait(false);
            if (expected.Rows > 0)
            {
                await CopyInAsync(target, await CopyOutAsync(source, copyKeys, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
                var actual = await ChecksumAsync(target, copyKeys, cancellationToken).ConfigureAwait(false);
                if (actual != expected)
                {
                    throw new ReshardingVerificationException(
                        $"Batch of {table.Name} did not verify on the target: source has {expected.Rows} rows (checksum {expected.Sum}), target has {actual.Rows} (checksum {actual.Sum}). " +
                        "Check that both shards have the same table definition (same columns in the same order).");
                }
            }

            await targetTransaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            var copied = (int)expected.Rows;
            var deleted = await NonQueryAsync(source, $"DELETE FROM {table.QuotedName} WHERE {table.QuotedKey} = ANY(@keys)", keys, cancellationToken).ConfigureAwait(false);
            await progress.RecordBatchAsync(source, moveId, table.Name, copied, cancellationToken).ConfigureAwait(false);
            await sourceTransaction.CommitAsync(CancellationToken.None).ConfigureAwait(false);
            return (copied, deleted - copied);
        }
    }

    private async Task<Array> KeysNotOnTargetAsync(NpgsqlConnection target, Array keys, CancellationToken cancellationToken)
    {
        // Lock the rows the target already has, so a writer cannot remove one between this check and the commit.
        await using var command = new NpgsqlCommand($"SELECT {table.QuotedKey} FROM {table.QuotedName} WHERE {table.QuotedKey} = ANY(@keys) FOR UPDATE", target);
        command.Parameters.AddWithValue("keys", keys);
        var present = new HashSet<object>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                present.Add(reader.GetValue(0));
            }
        }

        return KeyArrays.From(keys.Cast<object>().Where(k => !present.Contains(k)).ToList(), keys);
    }

    // A row's text form depends on the session (TimeZone for timestamptz, DateStyle, IntervalStyle, float digits, money
    // locale): pin them for this transaction on both sides, so the checksum compares data, not how each session prints it.
    private const string PinnedTextSettings =
        "SELECT set_config('TimeZone', 'UTC', true), set_config('DateStyle', 'ISO, YMD', true), set_config('IntervalStyle', 'postgres', true), " +
        "set_config('extra_float_digits', '3', true), set_config('bytea_output', 'hex', true), set_config('lc_monetary', 'C', true)";

    private async Task<(long Rows, decimal Sum)> ChecksumAsync(NpgsqlConnection connection, Array keys, CancellationToken cancellationToken)
    {
        await NonQueryAsync(connection, PinnedTextSettings, null, cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(
            $"SELECT count(*), coalesce(sum(hashtextextended(t::text, 0)), 0) FROM {table.QuotedName} t WHERE t.{table.QuotedKey} = ANY(@keys)", connection);
        command.Parameters.AddWithValue("keys", keys);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return (reader.GetInt64(0), reader.GetDecimal(1));
    }

    private async Task<byte[]> CopyOutAsync(NpgsqlConnection source, Array keys, CancellationToken cancellationToken)
    {
        // COPY takes no parameters, so the keys go through a temporary table that disappears with the transaction.
        await NonQueryAsync(source, $"CREATE TEMP TABLE {KeyTable} ON COMMIT DROP AS SELECT {table.QuotedKey} AS k FROM {table.QuotedName} WITH NO DATA", null, cancellationToken).ConfigureAwait(false);
        await NonQueryAsync(source, $"INSERT INTO {KeyTable} SELECT unnest(@keys)", keys, cancellationToken).ConfigureAwait(false);
        _columns ??= await CopiedColumnsAsync(source, cancellationToken).ConfigureAwait(false);
        using var buffer = new MemoryStream();
        var sql = $"COPY (SELECT {_columns} FROM {table.QuotedName} t WHERE t.{table.QuotedKey} IN (SELECT k FROM {KeyTable})) TO STDOUT (FORMAT BINARY)";
        await using (var stream = await source.BeginRawBinaryCopyAsync(sql, cancellationToken).ConfigureAwait(false))
        {
            await stream.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        }

        return buffer.ToArray();
    }

    private async Task CopyInAsync(NpgsqlConnection target, byte[] rows, CancellationToken cancellationToken)
    {
        await using var stream = await target.BeginRawBinaryCopyAsync($"COPY {table.QuotedName} ({_columns}) FROM STDIN (FORMAT BINARY)", cancellationToken).ConfigureAwait(false);
        await stream.WriteAsync(rows, cancellationToken).ConfigureAwait(false);
    }

    // Generated columns cannot be written by COPY; the target computes them, and the checksum compares them too.
    private async Task<string> CopiedColumnsAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) FROM pg_attribute " +
            "WHERE attrelid = @table::regclass AND attnum > 0 AND NOT attisdropped AND attgenerated = ''",
            connection);
        command.Parameters.AddWithValue("table", table.QuotedName);
        return (string)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    private static async Task<int> NonQueryAsync(NpgsqlConnection connection, string sql, Array? keys, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        if (keys is not null)
        {
            command.Parameters.AddWithValue("keys", keys);
        }

        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlConnection connection, string sql, Array keys, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("keys", keys);
        return (T)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }
}
