namespace Scalable.Sharding.Internal.Resharding;

/// <summary>Turns keys read as objects into a typed array, so Npgsql sends text[], uuid[], bigint[] or integer[].</summary>
internal static class KeyArrays
{
    /// <summary>Builds the typed array; <paramref name="like"/> gives the element type when the list is empty.</summary>
    public static Array From(IReadOnlyList<object> keys, Array? like = null)
    {
        if (keys.Count == 0 && like is not null)
        {
            return Array.CreateInstance(like.GetType().GetElementType()!, 0);
        }

        return keys[0] switch
        {
            string => keys.Cast<string>().ToArray(),
            Guid => keys.Cast<Guid>().ToArray(),
            long => keys.Cast<long>().ToArray(),
            int => keys.Cast<int>().ToArray(),
            _ => throw new NotSupportedException($"Shard key columns of type {keys[0].GetType().Name} are not supported; use text, uuid, bigint or integer."),
        };
    }
}
