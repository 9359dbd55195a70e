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

    // Set with StoredMs: L1 drops the entry at its logical expiry by the clock the cache runs on, and nothing but that
    // expiry can make it unfit to serve (no tags, no fail-safe, not stale). Its hit then needs no clock read of our own.
    public bool IsPlain { get; set; }

    public CacheResult<T> ToResult<T>(bool isStale)
        => Meta.HasValue ? new CacheResult<T>((T)Value!, true, isStale) : new CacheResult<T>(default!, false, isStale);

    public bool Holds<T>() => !Meta.HasValue || Value is T || (Value is null && default(T) is null);

    // Holds<T> and ToResult<T> in one type test: the hit path reads entries from shared generic code, where each test
    // of T is a runtime lookup and a helper call.
    public bool TryRead<T>(out CacheResult<T> result)
    {
        if (Meta.HasValue && Value is T value)
        {
            result = new CacheResult<T>(value, true, IsStale);
            return true;
        }

        result = new CacheResult<T>(default!, Meta.HasValue, IsStale);
        return !Meta.HasValue || (Value is null && default(T) is null);
    }
}
