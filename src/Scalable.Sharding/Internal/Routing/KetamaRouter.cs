using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace Scalable.Sharding.Internal.Routing;

/// <summary>
/// libketama's continuum: each server gets floor(share x 40 x servers) MD5 digests of "name-k", four 32-bit points per
/// digest (160 for equal weights); a key's MD5 gives a 32-bit value that goes to the first point at or after it, wrapping.
/// </summary>
internal sealed class KetamaRouter : IShardRouter
{
    private readonly SortedPoints _ring;

    public KetamaRouter(IEnumerable<ShardNode> nodes)
    {
        var list = NodeList.Validate(nodes, nameof(nodes));
        var total = (float)list.Sum(n => n.Weight);
        var points = new List<(uint, int, string)>();
        Span<byte> digest = stackalloc byte[16];
        for (var owner = 0; owner < list.Length; owner++)
        {
            // libketama computes this in single precision: float share, promoted to double, passed to floorf as a float.
            var share = (float)list[owner].Weight / total;
            var digests = (int)MathF.Floor((float)(share * 40.0 * (float)list.Length));
            for (var k = 0; k < digests; k++)
            {
                Md5.Hash(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{list[owner].Name}-{k}")), digest);
                for (var h = 0; h < 4; h++)
                {
                    points.Add((BinaryPrimitives.ReadUInt32LittleEndian(digest[(h * 4)..]), owner, list[owner].Name));
                }
            }
        }

        if (points.Count == 0)
        {
            throw new ArgumentException("No shard has enough weight for a single Ketama point; raise the smallest weights.", nameof(nodes));
        }

        _ring = new SortedPoints(points);
        ShardCount = list.Length;
    }

    public int ShardCount { get; }

    public int PointCount => _ring.Count;

    /// <summary>Returns libketama's 32-bit key hash: the first four bytes of the key's MD5 digest, little-endian.</summary>
    public static uint HashKey(ReadOnlySpan<byte> key)
    {
        Span<byte> digest = stackalloc byte[16];
        Md5.Hash(key, digest);
        return BinaryPrimitives.ReadUInt32LittleEndian(digest);
    }

    public IEnumerable<uint> Points => Enumerable.Range(0, _ring.Count).Select(_ring.PointAt);

    public int GetShardIndex(ReadOnlySpan<byte> key) => OwnerOfHash(HashKey(key));

    public int OwnerOfHash(uint hash)
    {
        var index = _ring.LowerBound(hash);
        return _ring.OwnerAt(index == _ring.Count ? 0 : index);
    }
}
