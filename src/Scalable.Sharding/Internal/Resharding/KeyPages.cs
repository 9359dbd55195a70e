using Npgsql;

namespace Scalable.Sharding.Internal.Resharding;

// Keyset pagination over a table's key column: the next page of keys after a key, in key order.
internal static class KeyPages
{
    public static async Task<List<object>> NextAsync(NpgsqlConnection connection, ReshardingTable table, object? after, int limit, CancellationToken cancellationToken)
    {
        var sql = after is null
            ? $"SELECT {table.QuotedKey} FROM {table.QuotedName} ORDER BY 1 LIMIT @limit"
            : $"SELECT {table.QuotedKey} FROM {table.QuotedName} WHERE {table.QuotedKey} > @after ORDER BY 1 LIMIT @limit";
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("limit", limit);
        if (after is not null)
        {
            command.Parameters.AddWithValue("after", after);
        }

        var keys = new List<object>(limit);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            keys.Add(reader.GetValue(0));
        }

        return keys;
    }
}
