using Npgsql;

namespace Scalable.Sharding.Internal.Moves;

// What a move keeps on each source shard: a trigger that logs the key of every row written while the move runs (so the
// copy can catch up), and the switched marker that writers check under the fence lock.
internal static class SourceCapture
{
    private const string Setup = """
        CREATE TABLE IF NOT EXISTS scalable_move_changes (seq bigserial PRIMARY KEY, table_name text NOT NULL, key text NOT NULL);
        CREATE TABLE IF NOT EXISTS scalable_move_switched (move_id text PRIMARY KEY, switched_at timestamptz NOT NULL DEFAULT now());
        CREATE OR REPLACE FUNCTION scalable_move_capture() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
            changed text;
        BEGIN
            IF TG_OP = 'DELETE' THEN
                changed := to_jsonb(OLD) ->> TG_ARGV[1];
            ELSE
                changed := to_jsonb(NEW) ->> TG_ARGV[1];
            END IF;
            INSERT INTO scalable_move_changes (table_name, key) VALUES (TG_ARGV[0], changed);
            IF TG_OP = 'UPDATE' AND (to_jsonb(OLD) ->> TG_ARGV[1]) IS DISTINCT FROM changed THEN
                INSERT INTO scalable_move_changes (table_name, key) VALUES (TG_ARGV[0], to_jsonb(OLD) ->> TG_ARGV[1]);
            END IF;
            RETURN NULL;
        END $$;
        """;

    public static async Task InstallAsync(NpgsqlConnection connection, IEnumerable<ReshardingTable> tables, CancellationToken cancellationToken)
    {
        await MoveStore.ExecuteAsync(connection, Setup, cancellationToken).ConfigureAwait(false);
        foreach (var table in tables)
        {
            // Names are plain identifiers (ReshardingTable checks them), so they can be trigger arguments as they are.
            await MoveStore.ExecuteAsync(
                connection,
                $"CREATE OR REPLACE TRIGGER scalable_move_capture AFTER INSERT OR UPDATE OR DELETE ON {table.QuotedName} " +
                $"FOR EACH ROW EXECUTE FUNCTION scalable_move_capture('{table.Name}', '{table.KeyColumn}')",
                cancellationToken).ConfigureAwait(false);
        }
    }

    public static async Task RemoveAsync(NpgsqlConnection connection, IEnumerable<ReshardingTable> tables, CancellationToken cancellationToken)
    {
        foreach (var table in tables)
        {
            await MoveStore.ExecuteAsync(connection, $"DROP TRIGGER IF EXISTS scalable_move_capture ON {table.QuotedName}", cancellationToken).ConfigureAwait(false);
            await using var command = new NpgsqlCommand("DELETE FROM scalable_move_changes WHERE table_name = @t", connection);
            command.Parameters.AddWithValue("t", table.Name);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public static async Task<List<(long Seq, string Key)>> ChangesAsync(NpgsqlConnection connection, ReshardingTable table, int limit, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT seq, key FROM scalable_move_changes WHERE table_name = @t ORDER BY seq LIMIT @n", connection);
        command.Parameters.AddWithValue("t", table.Name);
        command.Parameters.AddWithValue("n", limit);
        var changes = new List<(long, string)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            changes.Add((reader.GetInt64(0), reader.GetString(1)));
        }

        return changes;
    }

    public static async Task ConsumeAsync(NpgsqlConnection connection, IEnumerable<long> seqs, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("DELETE FROM scalable_move_changes WHERE seq = ANY(@s)", connection);
        command.Parameters.AddWithValue("s", seqs.ToArray());
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public static async Task<bool> IsSwitchedAsync(NpgsqlConnection connection, string moveId, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT EXISTS (SELECT 1 FROM scalable_move_switched WHERE move_id = @m)", connection);
        command.Parameters.AddWithValue("m", moveId);
        return (bool)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    public static async Task MarkSwitchedAsync(NpgsqlConnection connection, string moveId, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("INSERT INTO scalable_move_switched (move_id) VALUES (@m) ON CONFLICT DO NOTHING", connection);
        command.Parameters.AddWithValue("m", moveId);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Takes the fence exclusively, waiting at most the timeout for in-flight writes; false when they did not finish in time.</summary>
    public static async Task<bool> FenceAsync(NpgsqlConnection connection, string moveId, TimeSpan timeout, CancellationToken cancellationToken)
    {
        await MoveStore.ExecuteAsync(connection, $"SET lock_timeout = {(long)Math.Max(1, timeout.TotalMilliseconds)}", cancellationToken).ConfigureAwait(false);
        try
        {
            await using var command = new NpgsqlCommand("SELECT pg_advisory_lock(@c, @o)", connection);
            command.Parameters.AddWithValue("c", MoveLocks.FenceClass);
            command.Parameters.AddWithValue("o", MoveLocks.Of(moveId));
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.LockNotAvailable)
        {
            return false;
        }
        finally
        {
            await MoveStore.ExecuteAsync(connection, "RESET lock_timeout", CancellationToken.None).ConfigureAwait(false);
        }
    }

    public static async Task UnfenceAsync(NpgsqlConnection connection, string moveId)
    {
        await using var command = new NpgsqlCommand("SELECT pg_advisory_unlock(@c, @o)", connection);
        command.Parameters.AddWithValue("c", MoveLocks.FenceClass);
        command.Parameters.AddWithValue("o", MoveLocks.Of(moveId));
        await command.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
    }

    // A writer's side: tries the fence shared, without waiting. Not cancellable: a lock taken by a statement whose answer
    // was abandoned would stay with the session. Once entered, the caller asks IsSwitchedAsync in a statement of its own:
    // the cutover commits the switched marker before it lifts the fence, so only a snapshot taken after entering is sure
    // to see it (one statement doing both could read the marker's absence from before the switch).
    public static async Task<bool> TryEnterAsync(NpgsqlConnection connection, string moveId)
    {
        await using var command = new NpgsqlCommand("SELECT pg_try_advisory_lock_shared(@c, @o)", connection);
        command.Parameters.AddWithValue("c", MoveLocks.FenceClass);
        command.Parameters.AddWithValue("o", MoveLocks.Of(moveId));
        return (bool)(await command.ExecuteScalarAsync(CancellationToken.None).ConfigureAwait(false))!;
    }

    public static async Task LeaveAsync(NpgsqlConnection connection, string moveId)
    {
        await using var command = new NpgsqlCommand("SELECT pg_advisory_unlock_shared(@c, @o)", connection);
        command.Parameters.AddWithValue("c", MoveLocks.FenceClass);
        command.Parameters.AddWithValue("o", MoveLocks.Of(moveId));
        await command.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
    }
}
