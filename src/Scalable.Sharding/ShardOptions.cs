namespace Scalable.Sharding;

/// <summary>One shard of the shard map: a name, the primary's connection string, optional read replicas and a weight.</summary>
public sealed class ShardOptions
{
    /// <summary>Gets or sets the shard's unique name; routing derives positions from it, so keep it stable. <value>Required.</value></summary>
    public string Name { get; set; } = string.Empty;

    /// <summary>Gets or sets the Npgsql connection string of the shard's primary. <value>Required.</value></summary>
    public string ConnectionString { get; set; } = string.Empty;

    /// <summary>Gets the Npgsql connection strings of the shard's read replicas. <value>Default: none (reads go to the primary).</value></summary>
    public IList<string> ReadReplicas { get; } = new List<string>();

    /// <summary>Gets or sets the shard's relative share of keys. <value>Default: 1.</value></summary>
    public double Weight { get; set; } = 1.0;
}
