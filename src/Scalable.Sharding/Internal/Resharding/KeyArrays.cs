namespace Scalable.Sharding.Internal.Resharding;

/// <summary>Turns keys read as objects into a typed array, so Npgsql sends text[], uuid[], bigint[] or integer[].</summary>
internal static class KeyArrays
{
    /// <summary>Builds the typed array; <paramref name="like"/> gives the element type when the list is empty.</summary>
    public static Array From(IReadOnlyList<object> keys, Array? like = null)
    {
        if (keys.Count == 0 && like is not null)
        {
            // A typed empty array without Array.CreateInstance, which native AOT cannot promise for any type.
            return like switch
            {
                string[] => Array.Empty<string>(),
                Guid[] => Array.Empty<Guid>(),
                long[] => Array.Empty<long>(),
                int[] => Array.Empty<int>(),
                _ => throw new NotSupportedException($"Shard key arrays of type {like.GetType().Name} are not supported; use text, uuid, bigint or integer."),
            };
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
