using Scalable.Sharding.Internal.Routing;

namespace Scalable.Sharding;

/// <summary>Creates the routers; each router is immutable, so a new shard list means a new router.</summary>
public static class ShardRouters
{
    /// <summary>The default number of ring points per unit of weight, as in Ketama.</summary>
    public const int DefaultPointsPerWeight = 160;

    /// <summary>Creates a hash ring with virtual nodes (points per unit weight) and weights.</summary>
    /// <param name="nodes">The shards, with unique names and positive weights.</param>
    /// <param name="pointsPerWeight">Ring points per unit of weight (default 160).</param>
    /// <returns>The router.</returns>
    /// <exception cref="ArgumentException">The list is empty, a name is empty or repeated, or a weight is not positive.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="pointsPerWeight"/> is less than 1.</exception>
    public static IShardRouter HashRing(IEnumerable<ShardNode> nodes, int pointsPerWeight = DefaultPointsPerWeight) => new HashRingRouter(nodes, pointsPerWeight);

    /// <summary>Creates a libketama-compatible ring: the node names are the server strings libketama hashes (for example "10.0.1.1:11211").</summary>
    /// <param name="nodes">The servers, with unique names and positive weights.</param>
    /// <returns>The router.</returns>
    /// <exception cref="ArgumentException">The list is empty, a name is empty or repeated, or a weight is not positive.</exception>
    public static IShardRouter Ketama(IEnumerable<ShardNode> nodes) => new KetamaRouter(nodes);

    /// <summary>Creates a jump consistent hash router over shards numbered 0 to <paramref name="shardCount"/> - 1.</summary>
    /// <param name="shardCount">The number of shards.</param>
    /// <returns>The router.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="shardCount"/> is less than 1.</exception>
    public static IShardRouter JumpHash(int shardCount) => new JumpHashRouter(shardCount);

    /// <summary>Creates a weighted rendezvous (highest random weight) router.</summary>
    /// <param name="nodes">The shards, with unique names and positive weights.</param>
    /// <returns>The router.</returns>
    /// <exception cref="ArgumentException">The list is empty, a name is empty or repeated, or a weight is not positive.</exception>
    public static IShardRouter Rendezvous(IEnumerable<ShardNode> nodes) => new RendezvousRouter(nodes);

    /// <summary>Creates the router of the given kind.</summary>
    /// <param name="kind">The algorithm.</param>
    /// <param name="nodes">The shards, in order (the order matters for jump hash only).</param>
    /// <param name="pointsPerWeight">Ring points per unit of weight for <see cref="ShardRouterKind.HashRing"/>.</param>
    /// <returns>The router.</returns>
    /// <exception cref="ArgumentException">The shard list is invalid, or jump hash is given weights other than 1.</exception>
    public static IShardRouter Create(ShardRouterKind kind, IEnumerable<ShardNode> nodes, int pointsPerWeight = DefaultPointsPerWeight)
    {
        var list = NodeList.Validate(nodes, nameof(nodes));
        return kind switch
        {
            ShardRouterKind.HashRing => HashRing(list, pointsPerWeight),
            ShardRouterKind.Ketama => Ketama(list),
            ShardRouterKind.Rendezvous => Rendezvous(list),
            ShardRouterKind.JumpHash when list.All(n => n.Weight == 1.0) => JumpHash(list.Length),
            ShardRouterKind.JumpHash => throw new ArgumentException("Jump hash does not support weights: give every shard weight 1, or choose HashRing or Rendezvous.", nameof(nodes)),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown router kind."),
        };
    }
}
