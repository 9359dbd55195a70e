namespace Scalable.Sharding;

/// <summary>A key whose owner differs between two topologies.</summary>
/// <param name="Key">The key.</param>
/// <param name="From">The owner in the old topology.</param>
/// <param name="To">The owner in the new topology.</param>
public sealed record KeyMove(object Key, ShardDefinition From, ShardDefinition To);
