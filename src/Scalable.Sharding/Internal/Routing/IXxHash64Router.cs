namespace Scalable.Sharding.Internal.Routing;

/// <summary>
/// A router whose choice depends only on the key's unseeded XXH64 hash, so a caller that can hash the key faster than
/// <see cref="IShardRouter.GetShardIndex(ReadOnlySpan{byte})"/> (an ASCII string, hashed from its chars) may pass the hash.
/// </summary>
internal interface IXxHash64Router : IShardRouter
{
    /// <summary>Returns the shard index for a key whose <see cref="XxHash64.Hash(ReadOnlySpan{byte}, ulong)"/> is <paramref name="hash"/>; equal to routing the key's bytes.</summary>
    /// <param name="hash">The key's unseeded XXH64 hash.</param>
    /// <returns>The shard index.</returns>
    int GetShardIndexOfHash(ulong hash);
}
