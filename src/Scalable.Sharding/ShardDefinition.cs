namespace Scalable.Sharding;

/// <summary>One shard of an immutable <see cref="ShardTopology"/>.</summary>
public sealed class ShardDefinition
{
    /// <summary>Creates a shard definition.</summary>
    /// <param name="name">The shard's unique name.</param>
    /// <param name="connectionString">The Npgsql connection string of the primary.</param>
    /// <param name="weight">The relative share of keys (default 1).</param>
    /// <param name="readReplicas">The Npgsql connection strings of read replicas, if any.</param>
    /// <exception cref="ArgumentException">The name or connection string is empty.</exception>
    public ShardDefinition(string name, string connectionString, double weight = 1.0, IEnumerable<string>? readReplicas = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        Name = name;
        ConnectionString = connectionString;
        Weight = weight;
        ReadReplicas = readReplicas?.ToArray() ?? [];
    }

    /// <summary>Gets the shard's unique name.</summary>
    public string Name { get; }

    /// <summary>Gets the Npgsql connection string of the primary.</summary>
    public string ConnectionString { get; }

    /// <summary>Gets the relative share of keys.</summary>
    public double Weight { get; }

    /// <summary>Gets the Npgsql connection strings of the read replicas (empty when reads go to the primary).</summary>
    public IReadOnlyList<string> ReadReplicas { get; }

    /// <inheritdoc />
    public override string ToString() => Name;
}
