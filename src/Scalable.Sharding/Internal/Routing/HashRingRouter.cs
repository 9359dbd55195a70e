namespace Scalable.Sharding.Internal.Routing;

/// <summary>
/// A hash ring with virtual nodes. A key is hashed once (XXH64) into two 32-bit probes and goes to the ring point nearest
/// to either probe (multi-probe consistent hashing, Appleby and Eisenbud 2015). With the same 160 points per shard this
/// halves the spread of shard loads compared with "next point clockwise", and keeps the consistent-hashing guarantee:
/// adding a shard only moves keys onto it, removing one only moves its own keys.
/// </summary>
internal sealed class HashRingRouter : IXxHash64Router
{
    private readonly SortedPoints _ring;

    public HashRingRouter(IEnumerable<ShardNode> nodes, int pointsPerWeight)
    {
        var list = NodeList.Validate(nodes, nameof(nodes));
        ArgumentOutOfRangeException.ThrowIfLessThan(pointsPerWeight, 1);
        _ring = SortedPoints.FromNames(list, pointsPerWeight);
        ShardCount = list.Length;
    }

    public int ShardCount { get; }

    public int GetShardIndex(ReadOnlySpan<byte> key) => GetShardIndexOfHash(XxHash64.Hash(key));

    public int GetShardIndexOfHash(ulong hash) => _ring.OwnerAt(_ring.MultiProbe(hash));
}
