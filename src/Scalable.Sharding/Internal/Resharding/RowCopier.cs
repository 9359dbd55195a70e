using Npgsql;

namespace Scalable.Sharding.Internal.Resharding;

// The pieces every row move shares: a checksum that compares data rather than session settings, and binary COPY of the
// rows of a key set (without generated columns, which the target computes).
internal sealed class RowCopier(ReshardingTable table)
{
    private const string KeyTable = "scalable_move_keys";

    // A row's text form depends on the session (TimeZone for timestamptz, DateStyle, IntervalStyle, float digits, money
    // locale): pin them for this transaction on both sides, so the checksum compares data, not how each session prints it.
    private const string PinnedTextSettings =
        "SELECT set_config('TimeZone', 'UTC', true), set_config('DateStyle', 'ISO, YMD', true), set_config('IntervalStyle', 'postgres', true), " +
        "set_config('extra_float_digits', '3', true), set_config('bytea_output', 'hex', true), set_config('lc_monetary', 'C', true)";

    private string? _columns;

    public ReshardingTable Table => table;

    public async Task<(long Rows, decimal Sum)> ChecksumAsync(NpgsqlConnection connection, Array keys, CancellationToken cancellationToken)
    {
        await NonQueryAsync(connection, PinnedTextSettings, null, cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(
            $"SELECT count(*), coalesce(sum(hashtextextended(t::text, 0)), 0) FROM {table.QuotedName} t WHERE t.{table.QuotedKey} = ANY(@keys)", connection);
        command.Parameters.AddWithValue("keys", keys);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return (reader.GetInt64(0), reader.GetDecimal(1));
    }

    /// <summary>Copies the source rows of the keys into the target (both inside their transactions).</summary>
    public async Task CopyAsync(NpgsqlConnection source, NpgsqlConnection target, Array keys, CancellationToken cancellationToken)
    {
        _columns ??= await CopiedColumnsAsync(source, cancellationToken).ConfigureAwait(false);

        // COPY takes no parameters, so the keys go through a temporary table that disappears with the transaction.
        await NonQueryAsync(source, $"CREATE TEMP TABLE IF NOT EXISTS {KeyTable} ON COMMIT DROP AS SELECT {table.QuotedKey} AS k FROM {table.QuotedName} WITH NO DATA", null, cancellationToken).ConfigureAwait(false);
        await NonQueryAsync(source, $"TRUNCATE {KeyTable}; INSERT INTO {KeyTable} SELECT unnest(@keys)", keys, cancellationToken).ConfigureAwait(false);
        using var buffer = new MemoryStream();
        var sql = $"COPY (SELECT {_columns} FROM {table.QuotedName} t WHERE t.{table.QuotedKey} IN (SELECT k FROM {KeyTable})) TO STDOUT (FORMAT BINARY)";
        await using (var stream = await source.BeginRawBinaryCopyAsync(sql, cancellationToken).ConfigureAwait(false))
        {
            await stream.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        }

        buffer.Position = 0;
        await using var into = await target.BeginRawBinaryCopyAsync($"COPY {table.QuotedName} ({_columns}) FROM STDIN (FORMAT BINARY)", cancellationToken).ConfigureAwait(false);
        await buffer.CopyToAsync(into, cancellationToken).ConfigureAwait(false);
    }

    public ReshardingVerificationException Mismatch((long Rows, decimal Sum) expected, (long Rows, decimal Sum) actual) => new(
        $"Batch of {table.Name} did not verify on the target: source has {expected.Rows} rows (checksum {expected.Sum}), target has {actual.Rows} (checksum {actual.Sum}). " +
        "Check that both shards have the same table definition (same columns in the same order).");

    public static async Task<int> NonQueryAsync(NpgsqlConnection connection, string sql, Array? keys, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        if (keys is not null)
        {
            command.Parameters.AddWithValue("keys", keys);
        }

        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
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
}
