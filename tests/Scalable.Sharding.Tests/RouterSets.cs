namespace Scalable.Sharding.Tests;

internal static class RouterSets
{
    public static ShardNode[] Nodes(int count, int first = 0) =>
        Enumerable.Range(first, count).Select(i => new ShardNode($"shard-{i:D2}")).ToArray();

    public static IShardRouter[] All(int count) =>
    [
        ShardRouters.HashRing(Nodes(count)),
        ShardRouters.Ketama(Nodes(count)),
        ShardRouters.JumpHash(count),
        ShardRouters.Rendezvous(Nodes(count)),
    ];

    /// <summary>Deterministic pseudo-random 16-character keys (a fixed xorshift stream, the same on every run).</summary>
    public static string[] Keys(int count, ulong seed = 0x9E3779B97F4A7C15UL)
    {
        const string alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
        var keys = new string[count];
        var state = seed;
        Span<char> chars = stackalloc char[16];
        for (var i = 0; i < count; i++)
        {
            for (var c = 0; c < chars.Length; c++)
            {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                chars[c] = alphabet[(int)(state % (ulong)alphabet.Length)];
            }

            keys[i] = new string(chars);
        }

        return keys;
    }

    public static int[] Counts(IShardRouter router, string[] keys)
    {
        var counts = new int[router.ShardCount];
        foreach (var key in keys)
        {
            counts[router.GetShardIndex(key)]++;
        }

        return counts;
    }
}
