namespace Scalable.Sharding;

/// <summary>Maps a key to one of a fixed list of shards; implementations are immutable, thread-safe and allocate nothing per lookup.</summary>
public interface IShardRouter
{
    /// <summary>Gets the number of shards this router chooses between.</summary>
    int ShardCount { get; }

    /// <summary>Returns the index (0 to <see cref="ShardCount"/> - 1) of the shard that owns the key bytes.</summary>
    /// <param name="key">The key as bytes (strings are routed as the UTF-8 bytes of their hash tag or whole text).</param>
    /// <returns>The shard index.</returns>
    int GetShardIndex(ReadOnlySpan<byte> key);
}
