using System.Text.RegularExpressions;

namespace Scalable.Sharding;

/// <summary>A table to reshard: its name (optionally schema-qualified) and the column holding the shard key (text, uuid, bigint or integer).</summary>
public sealed partial class ReshardingTable
{
    /// <summary>Creates a table description.</summary>
    /// <param name="name">The table name, for example <c>users</c> or <c>app.users</c> (letters, digits and underscores).</param>
    /// <param name="keyColumn">The shard key column; it must be unique in the table (for example the primary key).</param>
    /// <exception cref="ArgumentException">A name is empty or not a plain identifier.</exception>
    public ReshardingTable(string name, string keyColumn)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentException.ThrowIfNullOrWhiteSpace(keyColumn);
        if (!TableName().IsMatch(name))
        {
            throw new ArgumentException($"'{name}' is not a plain table name; use letters, digits and underscores, optionally 'schema.table'.", nameof(name));
        }

        if (!ColumnName().IsMatch(keyColumn))
        {
            throw new ArgumentException($"'{keyColumn}' is not a plain column name; use letters, digits and underscores.", nameof(keyColumn));
        }

        Name = name;
        KeyColumn = keyColumn;
    }

    /// <summary>Gets the table name.</summary>
    public string Name { get; }

    /// <summary>Gets the shard key column.</summary>
    public string KeyColumn { get; }

    internal string QuotedName => string.Join('.', Name.Split('.').Select(part => $"\"{part}\""));

    internal string QuotedKey => $"\"{KeyColumn}\"";

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)?$")]
    private static partial Regex TableName();

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex ColumnName();
}
