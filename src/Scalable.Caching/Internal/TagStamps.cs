using System.Collections.Concurrent;

namespace Scalable.Caching.Internal;

// When each tag was last removed (unix ms). An entry created at or before that moment is invalid.
// Known stamps live here; unknown ones are fetched once from L2 by the cache, then kept current by the backplane.
internal sealed class TagStamps
{
    private readonly ConcurrentDictionary<string, long> _stamps = new(StringComparer.Ordinal);

    public bool TryGet(string tag, out long stampMs) => _stamps.TryGetValue(tag, out stampMs);

    public void Raise(string tag, long stampMs) => _stamps.AddOrUpdate(tag, stampMs, (_, old) => Math.Max(old, stampMs));

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
