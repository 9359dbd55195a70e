using System.Collections.Concurrent;

namespace Scalable.Caching.Internal;

// When each tag was last removed (unix ms). An entry created at or before that moment is invalid.
// Known stamps live here; unknown ones are fetched once from L2 by the cache, then kept current by the backplane.
internal sealed class TagStamps
{
    // Beyond this many known tags the table is emptied; the cache then revalidates L1, and stamps are read again from L2.
    public const int Limit = 100_000;
    private readonly ConcurrentDictionary<string, long> _stamps = new(StringComparer.Ordinal);

    public bool TryGet(string tag, out long stampMs) => _stamps.TryGetValue(tag, out stampMs);

    // Returns false when the table was full and has been emptied: what L1 holds must then be revalidated.
    public bool Raise(string tag, long stampMs)
    {
        if (_stamps.Count >= Limit && !_stamps.ContainsKey(tag))
        {
            _stamps.Clear();
            _stamps[tag] = stampMs;
            return false;
        }

        _stamps.AddOrUpdate(tag, stampMs, (_, old) => Math.Max(old, stampMs));
        return true;
    }

    public bool IsInvalidLocally(in EntryMeta meta)
    {
        var tags = meta.Tags;
        for (var i = 0; i < tags.Length; i++)
        {
            if (_stamps.TryGetValue(tags[i], out var stamp) && meta.CreatedMs <= stamp)
            {
                return true;
            }
        }

        return false;
    }
}
