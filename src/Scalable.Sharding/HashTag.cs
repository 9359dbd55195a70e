namespace Scalable.Sharding;

/// <summary>Hash tags as Redis Cluster defines them: a key such as <c>{user:42}:orders</c> routes by the part in braces, so related rows live on the same shard.</summary>
public static class HashTag
{
    /// <summary>
    /// Returns the part of the key that routing hashes: the text between the first <c>{</c> and the first <c>}</c> after it,
    /// when that text is not empty; otherwise (no <c>{</c>, no <c>}</c> after it, or an empty <c>{}</c>) the whole key. Never throws.
    /// </summary>
    /// <param name="key">The key.</param>
    /// <returns>The routing part of the key.</returns>
    public static ReadOnlySpan<char> GetRoutingPart(ReadOnlySpan<char> key)
    {
        var open = key.IndexOf('{');
        if (open < 0)
        {
            return key;
        }

        var length = key[(open + 1)..].IndexOf('}');
        return length > 0 ? key.Slice(open + 1, length) : key;
    }
}
