using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace Scalable.Sharding.Internal.Routing;

/// <summary>Points on a 32-bit ring, sorted, each with the index of the shard that owns it.</summary>
internal sealed class SortedPoints
{
    private readonly uint[] _points;
    private readonly int[] _owners;

    // _firstAtOrAfter[b] is the index of the first point whose top bits are >= b: a lookup reads one slot and then
    // compares about one point, instead of a dozen unpredictable branches of a binary search.
    private readonly int[] _firstAtOrAfter;
    private readonly int _shift;

    public SortedPoints(List<(uint Point, int Owner, string Name)> points)
    {
        // Ties (rare in 32 bits) break by shard name, so the ring does not depend on the order shards are listed in.
        points.Sort(static (a, b) => a.Point != b.Point ? a.Point.CompareTo(b.Point) : string.CompareOrdinal(a.Name, b.Name));
        _points = points.Select(p => p.Point).ToArray();
        _owners = points.Select(p => p.Owner).ToArray();
        var bits = Math.Clamp(BitOperations.Log2((uint)Math.Max(1, _points.Length - 1)) + 1, 1, 20);
        _shift = 32 - bits;
        _firstAtOrAfter = new int[(1 << bits) + 1];
        var index = 0;
        for (var bucket = 0; bucket < _firstAtOrAfter.Length; bucket++)
        {
            while (index < _points.Length && (_points[index] >> _shift) < (uint)bucket)
            {
                index++;
            }

            _firstAtOrAfter[bucket] = index;
        }
    }

    /// <summary>Builds a ring with round(pointsPerWeight x weight) points per shard, each the top 32 bits of XXH64(name, seed: point number).</summary>
    public static SortedPoints FromNames(ShardNode[] nodes, int pointsPerWeight)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(pointsPerWeight, 1);
        var points = new List<(uint, int, string)>();
        for (var owner = 0; owner < nodes.Length; owner++)
        {
            var name = Encoding.UTF8.GetBytes(nodes[owner].Name);
            var count = Math.Max(1, (int)Math.Round(pointsPerWeight * nodes[owner].Weight, MidpointRounding.AwayFromZero));
            for (var i = 0; i < count; i++)
            {
                points.Add(((uint)(XxHash64.Hash(name, (ulong)i) >> 32), owner, nodes[owner].Name));
            }
        }

        return new SortedPoints(points);
    }

    public int Count => _points.Length;

    public uint PointAt(int index) => _points[index];

    public int OwnerAt(int index) => _owners[index];

    /// <summary>Returns the index of the first point at or after the value, or <see cref="Count"/> when there is none.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int LowerBound(uint value)
    {
        var bucket = (int)(value >> _shift);
        ref var first = ref MemoryMarshal.GetArrayDataReference(_firstAtOrAfter);
        var index = Unsafe.Add(ref first, bucket);
        var end = Unsafe.Add(ref first, bucket + 1);
        ref var points = ref MemoryMarshal.GetArrayDataReference(_points);
        while (index < end && Unsafe.Add(ref points, index) < value)
        {
            index++;
        }

        return index;
    }

    /// <summary>Returns the index of the point that owns a 64-bit key hash: the nearer of the points nearest to its two 32-bit halves (multi-probe).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int MultiProbe(ulong hash)
    {
        var first = Nearest((uint)(hash >> 32), out var firstDistance);
        var second = Nearest((uint)hash, out var secondDistance);
        return secondDistance < firstDistance ? second : first;
    }

    /// <summary>Returns the index of the point closest to the value in either direction around the ring, and the distance to it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Nearest(uint value, out uint distance)
    {
        var count = _points.Length;
        var next = LowerBound(value);
        if (next == count)
        {
            next = 0;
        }

        var previous = (next == 0 ? count : next) - 1;
        var toNext = unchecked(_points[next] - value);
        var toPrevious = unchecked(value - _points[previous]);
        if (toPrevious < toNext)
        {
            distance = toPrevious;
            return previous;
        }

        distance = toNext;
        return next;
    }
}
