using Npgsql;
using NpgsqlTypes;

namespace Scalable.Messaging.Internal;

// Deletes old rows a few at a time, one short transaction per batch, skipping rows others hold, so nobody is locked out.
internal static class BatchedPurge
{
    public static string Sql(string table, string timeColumn)
        => $"DELETE FROM {table} WHERE ctid IN (SELECT ctid FROM {table} WHERE {timeColumn} < $1 LIMIT $2 FOR UPDATE SKIP LOCKED)";

    public static async Task<long> RunAsync(NpgsqlDataSource dataSource, string sql, DateTimeOffset olderThan, int batchSize, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        long total = 0;
        while (true)
        {
            await using var command = dataSource.CreateCommand(sql);
            command.Parameters.Add(new NpgsqlParameter { Value = olderThan, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            command.Parameters.Add(new NpgsqlParameter { Value = batchSize, NpgsqlDbType = NpgsqlDbType.Integer });
            var deleted = await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            total += deleted;
            if (deleted < batchSize)
            {
                return total;
            }
        }
    }
}
