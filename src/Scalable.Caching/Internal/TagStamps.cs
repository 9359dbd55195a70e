using System.Collections.Concurrent;

namespace Scalable.Caching.Internal;

// When each tag was last removed (unix ms). An entry created at or before that moment is invalid.
// Known stamps live here; the cache reads the others from L2. A known stamp is current while it was read or heard
// after the last reconnection of the backplane (notices sent while unsubscribed are lost) and, when no backplane
// keeps it up to date, for at most maxAgeMs; after that the cache reads it again from L2.
internal sealed class TagStamps(long maxAgeMs)
{
    // Beyond this many known tags the table is emptied; the cache then revalidates L1, and stamps are read again from L2.
    public const int Limit = 100_000;
    private readonly ConcurrentDictionary<string, Known> _stamps = new(StringComparer.Ordinal);
    private long _trustedFromMs = long.MinValue;

    // Without a backplane a tagged L1 entry is served only while its stamps are current.
    public bool Ages => maxAgeMs != long.MaxValue;

    // True when the stamp is known and current; stampMs is the known stamp (0 when none), current or not.
    public bool TryGetCurrent(string tag, long nowMs, out long stampMs)
    {
        if (!_stamps.TryGetValue(tag, out var known))
        {
            stampMs = 0;
            return false;
        }

        stampMs = known.StampMs;
        return IsCurrent(known, nowMs);
    }

    // checkedMs: when the stamp was read from L2 (the read's start) or heard. Returns false when the table was full
    // and has been emptied: what L1 holds must then be revalidated.
    public bool Raise(string tag, long stampMs, long checkedMs)
    {
        if (_stamps.Count >= Limit && !_stamps.ContainsKey(tag))
        {
            _stamps.Clear();
            _stamps[tag] = new Known(stampMs, checkedMs);
            return false;
        }

        _stamps.AddOrUpdate(
            tag,
            static (_, fresh) => fresh,
            static (_, old, fresh) => new Known(Math.Max(old.StampMs, fresh.StampMs), Math.Max(old.CheckedMs, fresh.CheckedMs)),
            new Known(stampMs, checkedMs));
        return true;
    }

    // Every known stamp is read again from L2 before it is trusted (the backplane may have missed notices).
    public void DistrustAll(long nowMs) => Interlocked.Exchange(ref _trustedFromMs, nowMs + 1);

    // True when a known stamp says the entry was removed (any age), or, without a backplane, when a stamp of one of
    // its tags is not current: the entry is then revalidated against L2 before it is served as fresh.
    public bool IsInvalidLocally(in EntryMeta meta, long nowMs)
    {
        var tags = meta.Tags;
        for (var i = 0; i < tags.Length; i++)
        {
            if (_stamps.TryGetValue(tags[i], out var known))
            {
                if (meta.CreatedMs <= known.StampMs || (Ages && !IsCurrent(known, nowMs)))
                {
                    return true;
                }
            }
            else if (Ages)
            {
                return true;
            }
        }

        return false;
    }

    // Known removal only: what a stale (fail-safe) value is checked against.
    public bool IsRemovedLocally(in EntryMeta meta)
    {
        var tags = meta.Tags;
        for (var i = 0; i < tags.Length; i++)
        {
            if (_stamps.TryGetValue(tags[i], out var known) && meta.CreatedMs <= known.StampMs)
            {
                return true;
            }
        }

        return false;
    }

    private bool IsCurrent(Known known, long nowMs)
        => known.CheckedMs >= Volatile.Read(ref _trustedFromMs) && nowMs - known.CheckedMs <= maxAgeMs;

    private readonly record struct Known(long StampMs, long CheckedMs);
}
