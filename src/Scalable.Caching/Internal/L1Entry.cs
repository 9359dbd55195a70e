namespace Scalable.Caching.Internal;

// What L1 holds: the deserialized value (shared by every reader), its metadata, its serialized size,
// and whether it is a stale value kept for a fail-safe throttle period.
internal sealed class L1Entry(object? value, EntryMeta meta, int size, bool isStale = false)
{
    // A field, not a property: the hot path reads it in place instead of copying the struct.
    public readonly EntryMeta Meta = meta;

    public object? Value { get; } = value;

    public int Size { get; } = size;

    public bool IsStale { get; } = isStale;

    // When it went into L1 (unix ms); set once, just before it is published in L1.
    public long StoredMs { get; set; }

    public CacheResult<T> ToResult<T>(bool isStale)
        => Meta.HasValue ? new CacheResult<T>((T)Value!, true, isStale) : new CacheResult<T>(default!, false, isStale);

    public bool Holds<T>() => !Meta.HasValue || Value is T || (Value is null && default(T) is null);
}
