namespace Scalable.Sharding;

/// <summary>The routing algorithm of a shard map.</summary>
public enum ShardRouterKind
{
    /// <summary>A hash ring with virtual nodes (points per unit weight) and weights; only the keys of added or removed shards move.</summary>
    HashRing = 0,

    /// <summary>A libketama-compatible ring (MD5, 160 points per server scaled by weight): the same key goes to the same server as in libketama, twemproxy and compatible memcached clients.</summary>
    Ketama = 1,

    /// <summary>Jump consistent hash (Lamping and Veach): no memory, near-perfect balance; shards are numbered, may only be added or removed at the end, and weights are not supported.</summary>
    JumpHash = 2,

    /// <summary>Weighted rendezvous (highest random weight) hashing: exact weights and minimal movement, at a cost linear in the number of shards.</summary>
    Rendezvous = 3,
}
