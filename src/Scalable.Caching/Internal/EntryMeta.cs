namespace Scalable.Caching.Internal;

// What every stored entry carries besides its value: when its factory started, when it stops being
// fresh, when even fail-safe may no longer serve it, how long its factory took (XFetch delta), tags.
internal readonly record struct EntryMeta(
    bool HasValue,
    long CreatedMs,
    long LogicalExpiryMs,
    long HardExpiryMs,
    int DeltaMs,
    string[] Tags)
{
    public bool IsFresh(long nowMs) => nowMs < LogicalExpiryMs;

    public bool IsUsableStale(long nowMs) => nowMs < HardExpiryMs;
}
