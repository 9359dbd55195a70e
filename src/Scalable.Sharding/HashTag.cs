namespace Scalable.Sharding;

/// <summary>Hash tags: a key such as <c>{user:42}:orders</c> routes by the part in braces, so related rows live on the same shard.</summary>
public static class HashTag
{
    /// <summary>Returns the part of the key that routing hashes: the text inside the first <c>{...}</c>, or the whole key when it has no braces.</summary>
    /// <param name="key">The key.</param>
    /// <returns>The routing part of the key.</returns>
    /// <exception cref="ArgumentException">The key has a <c>{</c> without a later <c>}</c>, an empty tag <c>{}</c>, or a <c>}</c> before any <c>{</c>.</exception>
    public static ReadOnlySpan<char> GetRoutingPart(ReadOnlySpan<char> key)
    {
        var open = key.IndexOfAny('{', '}');
        if (open < 0)
        {
            return key;
        }

        if (key[open] == '}')
        {
            throw Malformed(key, "it has a '}' before any '{'");
        }

        var length = key[(open + 1)..].IndexOf('}');
        if (length < 0)
        {
            throw Malformed(key, "its '{' has no closing '}'");
        }

        if (length == 0)
        {
            throw Malformed(key, "its hash tag '{}' is empty");
        }

        return key.Slice(open + 1, length);
    }

    private static ArgumentException Malformed(ReadOnlySpan<char> key, string reason) =>
        new($"The shard key '{key.ToString()}' has a malformed hash tag: {reason}. Write the tag as '{{tag}}rest', for example '{{user:42}}:orders', or leave braces out.", nameof(key));
}
