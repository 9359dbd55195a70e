using Scalable.Sharding.Internal.Routing;

namespace Scalable.Sharding;

/// <summary>Compares two topologies: which keys change owner, and where they go. Shards are matched by name.</summary>
public static class ShardTopologyDiff
{
    /// <summary>Returns, for each given string key whose owner changes, the old and the new owner (hash tags apply).</summary>
    /// <param name="from">The old topology.</param>
    /// <param name="to">The new topology.</param>
    /// <param name="keys">The keys to check.</param>
    /// <returns>The moves, in key order; keys that stay are left out.</returns>
    /// <exception cref="ArgumentNullException">An argument or a key is null.</exception>
    public static IEnumerable<KeyMove<string>> GetMoves(ShardTopology from, ShardTopology to, IEnumerable<string> keys) =>
        Moves(from, to, keys, static (topology, key) => topology.GetShard(key));

    /// <summary>Returns, for each given GUID key whose owner changes, the old and the new owner.</summary>
    /// <param name="from">The old topology.</param>
    /// <param name="to">The new topology.</param>
    /// <param name="keys">The keys to check.</param>
    /// <returns>The moves, in key order; keys that stay are left out.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static IEnumerable<KeyMove<Guid>> GetMoves(ShardTopology from, ShardTopology to, IEnumerable<Guid> keys) =>
        Moves(from, to, keys, static (topology, key) => topology.GetShard(key));

    /// <summary>Returns, for each given 64-bit integer key whose owner changes, the old and the new owner.</summary>
    /// <param name="from">The old topology.</param>
    /// <param name="to">The new topology.</param>
    /// <param name="keys">The keys to check.</param>
    /// <returns>The moves, in key order; keys that stay are left out.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static IEnumerable<KeyMove<long>> GetMoves(ShardTopology from, ShardTopology to, IEnumerable<long> keys) =>
        Moves(from, to, keys, static (topology, key) => topology.GetShard(key));

    /// <summary>Returns, for each given 32-bit integer key whose owner changes, the old and the new owner (an int routes like the same long).</summary>
    /// <param name="from">The old topology.</param>
    /// <param name="to">The new topology.</param>
    /// <param name="keys">The keys to check.</param>
    /// <returns>The moves, in key order; keys that stay are left out.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static IEnumerable<KeyMove<int>> GetMoves(ShardTopology from, ShardTopology to, IEnumerable<int> keys) =>
        Moves(from, to, keys, static (topology, key) => topology.GetShard((long)key));

    /// <summary>Estimates which share of all keys moves between each pair of shards, by routing a fixed sample of keys through both topologies.</summary>
    /// <param name="from">The old topology.</param>
    /// <param name="to">The new topology.</param>
    /// <param name="sampleSize">How many sample keys (default 100,000); the same sample every time.</param>
    /// <returns>For each (old shard, new shard) pair with moving keys, the share of all keys that moves along it.</returns>
    public static IReadOnlyDictionary<(string From, string To), double> EstimateFlows(ShardTopology from, ShardTopology to, int sampleSize = 100_000)
    {
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(to);
        ArgumentOutOfRangeException.ThrowIfLessThan(sampleSize, 1);
        var counts = new Dictionary<(string, string), int>();
        Span<byte> key = stackalloc byte[8];
        for (var i = 0; i < sampleSize; i++)
        {
            // Sample keys are the XXH64 values of 0..n-1, so the sample is spread and the same on every run.
            BitConverter.TryWriteBytes(key, XxHash64.Hash((ulong)i, 0x5A4D));
            var a = from.Shards[from.Router.GetShardIndex(key)].Name;
            var b = to.Shards[to.Router.GetShardIndex(key)].Name;
            if (!string.Equals(a, b, StringComparison.Ordinal))
            {
                counts[(a, b)] = counts.GetValueOrDefault((a, b)) + 1;
            }
        }

        return counts.ToDictionary(p => p.Key, p => (double)p.Value / sampleSize);
    }

    /// <summary>Returns exactly which ranges of key hashes change owner between two Ketama topologies, and where they go.</summary>
    /// <param name="from">The old topology (router <see cref="ShardRouterKind.Ketama"/>).</param>
    /// <param name="to">The new topology (router <see cref="ShardRouterKind.Ketama"/>).</param>
    /// <returns>The moved ranges, in hash order, adjacent ranges with the same owners merged.</returns>
    /// <exception cref="ArgumentException">A topology does not use the Ketama router; other routers have no fixed hash ranges (use <see cref="GetMoves(ShardTopology, ShardTopology, IEnumerable{string})"/> and its overloads).</exception>
    public static IReadOnlyList<HashRangeMove> GetMovedHashRanges(ShardTopology from, ShardTopology to)
    {
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(to);
        var a = from.Router as KetamaRouter ?? throw new ArgumentException("Hash ranges exist only for the Ketama router; use GetMoves for keys.", nameof(from));
        var b = to.Router as KetamaRouter ?? throw new ArgumentException("Hash ranges exist only for the Ketama router; use GetMoves for keys.", nameof(to));
        var moves = new List<HashRangeMove>();
        uint start = 0;
        foreach (var end in a.Points.Concat(b.Points).Append(uint.MaxValue).Distinct().Order())
        {
            // Within (previous boundary, end] both rings have a constant owner: the first point at or after end.
            var (oldOwner, newOwner) = (from.Shards[a.OwnerOfHash(end)].Name, to.Shards[b.OwnerOfHash(end)].Name);
            if (oldOwner != newOwner)
            {
                if (moves.Count > 0 && moves[^1].End + 1 == start && moves[^1].From == oldOwner && moves[^1].To == newOwner)
                {
                    moves[^1] = moves[^1] with { End = end };
                }
                else
                {
                    moves.Add(new HashRangeMove(start, end, oldOwner, newOwner));
                }
            }

            start = end + 1;
            if (end == uint.MaxValue)
            {
                break;
            }
        }

        return moves;
    }

    private static IEnumerable<KeyMove<TKey>> Moves<TKey>(ShardTopology from, ShardTopology to, IEnumerable<TKey> keys, Func<ShardTopology, TKey, ShardDefinition> owner)
        where TKey : notnull
    {
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(to);
        ArgumentNullException.ThrowIfNull(keys);
        return Iterate(from, to, keys, owner);
    }

    private static IEnumerable<KeyMove<TKey>> Iterate<TKey>(ShardTopology from, ShardTopology to, IEnumerable<TKey> keys, Func<ShardTopology, TKey, ShardDefinition> owner)
        where TKey : notnull
    {
        foreach (var key in keys)
        {
            var a = owner(from, key);
            var b = owner(to, key);
            if (!string.Equals(a.Name, b.Name, StringComparison.Ordinal))
            {
                yield return new KeyMove<TKey>(key, a, b);
            }
        }
    }
}
