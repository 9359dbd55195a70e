using System.Globalization;
using Npgsql;

namespace Scalable.Sharding.Internal.Moves;

// The key column's type, to turn keys kept as text (captured changes, the copy cursor) back into typed values.
internal sealed class KeyColumn(Func<string, object> parse)
{
    public object Parse(string text) => parse(text);

    public static async Task<KeyColumn> ReadAsync(NpgsqlConnection connection, ReshardingTable table, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = @table::regclass AND attname = @column AND NOT attisdropped", connection);
        command.Parameters.AddWithValue("table", table.QuotedName);
        command.Parameters.AddWithValue("column", table.KeyColumn);
        var type = (string?)await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"Table {table.Name} has no column {table.KeyColumn}.");
        return type.Split('(')[0] switch
        {
            "text" or "character varying" => new KeyColumn(static s => s),
            "uuid" => new KeyColumn(static s => Guid.Parse(s, CultureInfo.InvariantCulture)),
            "bigint" => new KeyColumn(static s => long.Parse(s, CultureInfo.InvariantCulture)),
            "integer" => new KeyColumn(static s => int.Parse(s, CultureInfo.InvariantCulture)),
            _ => throw new NotSupportedException($"Shard key columns of type {type} are not supported; use text, uuid, bigint or integer."),
        };
    }

    public static string Format(object key) => Convert.ToString(key, CultureInfo.InvariantCulture)!;
}
