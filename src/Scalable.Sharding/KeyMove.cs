namespace Scalable.Sharding;

/// <summary>A key whose owner differs between two topologies.</summary>
/// <typeparam name="TKey">The key's type: string, <see cref="Guid"/>, long or int, as <see cref="ShardTopologyDiff.GetMoves(ShardTopology, ShardTopology, IEnumerable{string})"/> takes them.</typeparam>
/// <param name="Key">The key.</param>
/// <param name="From">The owner in the old topology.</param>
/// <param name="To">The owner in the new topology.</param>
public sealed record KeyMove<TKey>(TKey Key, ShardDefinition From, ShardDefinition To)
    where TKey : notnull;
