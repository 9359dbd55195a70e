namespace Scalable.Sharding.Internal.Routing;

/// <summary>Jump consistent hash (Lamping and Veach 2014) over the key's XXH64 hash.</summary>
internal sealed class JumpHashRouter : IXxHash64Router
{
    public JumpHashRouter(int shardCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(shardCount, 1);
        ShardCount = shardCount;
    }

    public int ShardCount { get; }

    public static int Bucket(ulong key, int buckets)
    {
        long bucket = -1, next = 0;
        while (next < buckets)
        {
            bucket = next;
            key = unchecked((key * 2862933555777941757UL) + 1);
            next = (long)((bucket + 1) * ((double)(1L << 31) / ((key >> 33) + 1)));
        }

        return (int)bucket;
    }

    public int GetShardIndex(ReadOnlySpan<byte> key) => GetShardIndexOfHash(XxHash64.Hash(key));

    public int GetShardIndexOfHash(ulong hash) => Bucket(hash, ShardCount);
}
