using Npgsql;
using NpgsqlTypes;

namespace Scalable.Sharding.Internal.Replicas;

internal static class WalPositions
{
    // What a standby has replayed; a server that is not in recovery (a promoted standby, or a primary listed as a
    // replica) has everything it wrote. CASE evaluates lazily, so pg_current_wal_lsn() never runs during recovery,
    // where it fails.
    public const string Replayed = "SELECT CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END";

    // How far the primary has written: what a standby can have received.
    public const string Written = "SELECT pg_current_wal_lsn()";

    // Taken after a commit: the insert position is past every record inserted so far, the commit's included,
    // whether or not synchronous_commit has flushed it yet.
    public const string AfterCommit = "SELECT pg_current_wal_insert_lsn()";

    public static async Task<ulong> ReadAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        var value = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);

        // A standby that has replayed nothing yet reports NULL.
        return value is NpgsqlLogSequenceNumber lsn ? (ulong)lsn : 0;
    }
}
