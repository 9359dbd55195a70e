namespace Scalable.Sharding;

/// <summary>A shard as a router sees it: a unique name and a relative weight.</summary>
/// <param name="Name">The shard's unique name; ring positions are derived from it, so renaming a shard moves its keys.</param>
/// <param name="Weight">The shard's relative share of keys (must be positive; 2 takes about twice the keys of 1).</param>
public readonly record struct ShardNode(string Name, double Weight = 1.0);
