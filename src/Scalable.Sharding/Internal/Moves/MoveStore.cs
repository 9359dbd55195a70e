using Npgsql;

namespace Scalable.Sharding.Internal.Moves;

// The move record on the coordination database (the first shard): what moves, its phase, progress and pause flag,
// and a cursor per range (source shard x table) so a restarted mover continues where the last one stopped.
internal static class MoveStore
{
    private const string Schema = """
        CREATE TABLE IF NOT EXISTS scalable_moves (
            move_id text PRIMARY KEY, to_version bigint NOT NULL, from_topology text NOT NULL, to_topology text NOT NULL,
            phase text NOT NULL, paused boolean NOT NULL DEFAULT false, rows_copied bigint NOT NULL DEFAULT 0,
            rows_verified bigint NOT NULL DEFAULT 0, started_at timestamptz NOT NULL DEFAULT now(), switched_at timestamptz,
            updated_at timestamptz NOT NULL DEFAULT now());
        CREATE TABLE IF NOT EXISTS scalable_move_ranges (
            move_id text NOT NULL, source text NOT NULL, table_name text NOT NULL, last_key text, copied boolean NOT NULL DEFAULT false,
            cleaned boolean NOT NULL DEFAULT false, PRIMARY KEY (move_id, source, table_name));
        """;

    public static async Task EnsureAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        try
        {
            await ExecuteAsync(connection, Schema, cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException ex) when (ex.SqlState is PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.DuplicateTable)
        {
            // Created by another process at the same moment.
        }
    }

    public static async Task<bool> TryLockMoverAsync(NpgsqlConnection connection, string moveId, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT pg_try_advisory_lock(@c, @o)", connection);
        command.Parameters.AddWithValue("c", MoveLocks.MoverClass);
        command.Parameters.AddWithValue("o", MoveLocks.Of(moveId));
        return (bool)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    public static async Task UnlockMoverAsync(NpgsqlConnection connection, string moveId)
    {
        await using var command = new NpgsqlCommand("SELECT pg_advisory_unlock(@c, @o)", connection);
        command.Parameters.AddWithValue("c", MoveLocks.MoverClass);
        command.Parameters.AddWithValue("o", MoveLocks.Of(moveId));
        await command.ExecuteScalarAsync(CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>Creates the record (phase Copying) unless it exists, and returns (phase, rows copied, rows verified, seconds since start, seconds since switch).</summary>
    public static async Task<(ShardMovePhase Phase, long Copied, long Verified, double SinceStart, double? SinceSwitch)> StartAsync(
        NpgsqlConnection connection, string moveId, ShardTopology from, ShardTopology to, CancellationToken cancellationToken)
    {
        await using (var insert = Command(connection, "INSERT INTO scalable_moves (move_id, to_version, from_topology, to_topology, phase) VALUES (@m, @v, @f, @t, 'Copying') ON CONFLICT DO NOTHING", moveId))
        {
            insert.Parameters.AddWithValue("v", to.Version);
            insert.Parameters.AddWithValue("f", TopologyJson.Write(from));
            insert.Parameters.AddWithValue("t", TopologyJson.Write(to));
            await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await using var select = Command(
            connection,
            "SELECT phase, rows_copied, rows_verified, extract(epoch FROM now() - started_at)::float8, extract(epoch FROM now() - switched_at)::float8 FROM scalable_moves WHERE move_id = @m",
            moveId);
        await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return (Enum.Parse<ShardMovePhase>(reader.GetString(0)), reader.GetInt64(1), reader.GetInt64(2), reader.GetDouble(3), reader.IsDBNull(4) ? null : reader.GetDouble(4));
    }

    public static async Task SetPhaseAsync(NpgsqlConnection connection, string moveId, ShardMovePhase phase, CancellationToken cancellationToken)
    {
        var switched = phase == ShardMovePhase.Switched ? ", switched_at = coalesce(switched_at, now())" : string.Empty;
        await using var command = Command(connection, $"UPDATE scalable_moves SET phase = @p, updated_at = now(){switched} WHERE move_id = @m", moveId);
        command.Parameters.AddWithValue("p", phase.ToString());
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public static async Task AddRowsAsync(NpgsqlConnection connection, string moveId, long copied, long verified, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, "UPDATE scalable_moves SET rows_copied = rows_copied + @c, rows_verified = rows_verified + @v, updated_at = now() WHERE move_id = @m", moveId);
        command.Parameters.AddWithValue("c", copied);
        command.Parameters.AddWithValue("v", verified);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public static async Task<bool> SetPausedAsync(NpgsqlConnection connection, string moveId, bool paused, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, "UPDATE scalable_moves SET paused = @p, updated_at = now() WHERE move_id = @m", moveId);
        command.Parameters.AddWithValue("p", paused);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    public static async Task<bool> IsPausedAsync(NpgsqlConnection connection, string moveId, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, "SELECT paused FROM scalable_moves WHERE move_id = @m", moveId);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is true;
    }

    /// <summary>Returns the range's cursor (last key copied, as text) and whether it is copied and cleaned.</summary>
    public static async Task<(string? LastKey, bool Copied, bool Cleaned)> RangeAsync(NpgsqlConnection connection, string moveId, string source, string table, CancellationToken cancellationToken)
    {
        await using var command = RangeCommand(connection, "SELECT last_key, copied, cleaned FROM scalable_move_ranges WHERE move_id = @m AND source = @s AND table_name = @t", moveId, source, table);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? (reader.IsDBNull(0) ? null : reader.GetString(0), reader.GetBoolean(1), reader.GetBoolean(2))
            : (null, false, false);
    }

    public static async Task SaveRangeAsync(NpgsqlConnection connection, string moveId, string source, string table, string? lastKey, bool copied, bool cleaned, CancellationToken cancellationToken)
    {
        await using var command = RangeCommand(
            connection,
            "INSERT INTO scalable_move_ranges (move_id, source, table_name, last_key, copied, cleaned) VALUES (@m, @s, @t, @k, @copied, @cleaned) " +
            "ON CONFLICT (move_id, source, table_name) DO UPDATE SET last_key = EXCLUDED.last_key, copied = EXCLUDED.copied, cleaned = EXCLUDED.cleaned",
            moveId,
            source,
            table);
        command.Parameters.AddWithValue("k", (object?)lastKey ?? DBNull.Value);
        command.Parameters.AddWithValue("copied", copied);
        command.Parameters.AddWithValue("cleaned", cleaned);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads the newest move towards a topology newer than the configured one, or null (also when no move ever ran).</summary>
    public static async Task<MoveSnapshot?> ReadNewestAsync(NpgsqlConnection connection, long configuredVersion, CancellationToken cancellationToken)
    {
        // Ask whether the table exists first, so a database that never saw a move does not log an error every refresh.
        await using (var exists = new NpgsqlCommand("SELECT to_regclass('scalable_moves') IS NOT NULL", connection))
        {
            if (await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not true)
            {
                return null;
            }
        }

        await using var command = new NpgsqlCommand(
            "SELECT move_id, phase, from_topology, to_topology FROM scalable_moves WHERE to_version > @v ORDER BY to_version DESC, started_at DESC LIMIT 1", connection);
        command.Parameters.AddWithValue("v", configuredVersion);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? new MoveSnapshot(reader.GetString(0), TopologyJson.Read(reader.GetString(2)), TopologyJson.Read(reader.GetString(3)), Enum.Parse<ShardMovePhase>(reader.GetString(1)))
            : null;
    }

    public static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static NpgsqlCommand Command(NpgsqlConnection connection, string sql, string moveId)
    {
        var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("m", moveId);
        return command;
    }

    private static NpgsqlCommand RangeCommand(NpgsqlConnection connection, string sql, string moveId, string source, string table)
    {
        var command = Command(connection, sql, moveId);
        command.Parameters.AddWithValue("s", source);
        command.Parameters.AddWithValue("t", table);
        return command;
    }
}
