using Npgsql;

namespace Scalable.Sharding.Internal.Resharding;

/// <summary>The progress table on a source shard: rows moved and batches per (move, table), updated in the same transaction as each batch's delete.</summary>
internal sealed class ProgressStore(string table)
{
    private readonly string _table = $"\"{table.Replace("\"", "\"\"", StringComparison.Ordinal)}\"";

    public async Task EnsureAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var sql = $"CREATE TABLE IF NOT EXISTS {_table} (move_id text NOT NULL, table_name text NOT NULL, rows_moved bigint NOT NULL DEFAULT 0, " +
                  "batches integer NOT NULL DEFAULT 0, completed_at timestamptz, PRIMARY KEY (move_id, table_name))";
        try
        {
            await using var command = new NpgsqlCommand(sql, connection);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException ex) when (ex.SqlState is PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.DuplicateTable)
        {
            // Another mover created it at the same moment.
        }
    }

    public async Task<long> RowsMovedAsync(NpgsqlConnection connection, string moveId, string tableName, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, $"SELECT rows_moved FROM {_table} WHERE move_id = @m AND table_name = @t", moveId, tableName);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is long rows ? rows : 0;
    }

    public async Task RecordBatchAsync(NpgsqlConnection connection, string moveId, string tableName, int rows, CancellationToken cancellationToken)
    {
        await using var command = Command(
            connection,
            $"INSERT INTO {_table} AS p (move_id, table_name, rows_moved, batches) VALUES (@m, @t, @n, 1) " +
            "ON CONFLICT (move_id, table_name) DO UPDATE SET rows_moved = p.rows_moved + EXCLUDED.rows_moved, batches = p.batches + 1, completed_at = NULL",
            moveId,
            tableName);
        command.Parameters.AddWithValue("n", (long)rows);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task MarkCompletedAsync(NpgsqlConnection connection, string moveId, string tableName, CancellationToken cancellationToken)
    {
        await using var command = Command(
            connection,
            $"INSERT INTO {_table} AS p (move_id, table_name, completed_at) VALUES (@m, @t, now()) ON CONFLICT (move_id, table_name) DO UPDATE SET completed_at = now()",
            moveId,
            tableName);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static NpgsqlCommand Command(NpgsqlConnection connection, string sql, string moveId, string tableName)
    {
        var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("m", moveId);
        command.Parameters.AddWithValue("t", tableName);
        return command;
    }
}
