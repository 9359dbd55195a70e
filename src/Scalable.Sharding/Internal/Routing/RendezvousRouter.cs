using System.Text;

namespace Scalable.Sharding.Internal.Routing;

/// <summary>
/// Weighted rendezvous hashing: each shard scores a key as weight / -ln(u), with u uniform in (0, 1) from the key's hash
/// mixed with the shard's name; the highest score wins. Shares equal weights exactly, and a change moves only the keys
/// that the added shard wins or the removed shard held.
/// </summary>
internal sealed class RendezvousRouter : IXxHash64Router
{
    private readonly ulong[] _seeds;
    private readonly double[] _weights;

    public RendezvousRouter(IEnumerable<ShardNode> nodes)
    {
        var list = NodeList.Validate(nodes, nameof(nodes));
        _seeds = list.Select(n => XxHash64.Hash(Encoding.UTF8.GetBytes(n.Name))).ToArray();
        _weights = list.Select(n => n.Weight).ToArray();
    }

    public int ShardCount => _seeds.Length;

    public int GetShardIndex(ReadOnlySpan<byte> key) => GetShardIndexOfHash(XxHash64.Hash(key));

    public int GetShardIndexOfHash(ulong hash)
    {
        var best = 0;
        var bestScore = double.NegativeInfinity;
        for (var i = 0; i < _seeds.Length; i++)
        {
            var mixed = XxHash64.Hash(hash, _seeds[i]);
            var unit = ((mixed >> 11) + 0.5) * (1.0 / (1UL << 53));
            var score = _weights[i] / -Math.Log(unit);
            if (score > bestScore)
            {
                bestScore = score;
                best = i;
            }
        }

        return best;
    }
}
