namespace Scalable.Sharding.Internal.Resharding;

/// <summary>Turns keys read as objects into a typed array, so Npgsql sends text[], uuid[], bigint[] or integer[].</summary>
internal static class KeyArrays
{
    public static Array From(IReadOnlyList<object> keys) => keys[0] switch
    {
        string => keys.Cast<string>().ToArray(),
        Guid => keys.Cast<Guid>().ToArray(),
        long => keys.Cast<long>().ToArray(),
        int => keys.Cast<int>().ToArray(),
        _ => throw new NotSupportedException($"Shard key columns of type {keys[0].GetType().Name} are not supported; use text, uuid, bigint or integer."),
    };
}
