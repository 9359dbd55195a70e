using System.Collections.Concurrent;

namespace Scalable.Caching.Internal;

// Removals (keys and tags, and keys whose set missed L2) that could not reach L2 or the backplane; replayed when L2 answers again,
// so a value removed during an outage does not come back. Bounded: beyond the limit new ones are dropped.
internal sealed class PendingRemovals(int limit)
{
    private readonly ConcurrentDictionary<(bool IsTag, string Name), long> _items = new();

    public int Count => _items.Count;

    public bool Add(bool isTag, string name, long stampMs)
    {
        if (_items.Count >= limit && !_items.ContainsKey((isTag, name)))
        {
            return false;
        }

        _items.AddOrUpdate((isTag, name), stampMs, (_, old) => Math.Max(old, stampMs));
        return true;
    }

    public bool Contains(bool isTag, string name) => !_items.IsEmpty && _items.ContainsKey((isTag, name));

    public KeyValuePair<(bool IsTag, string Name), long>[] Snapshot() => _items.ToArray();

    public void Done(KeyValuePair<(bool IsTag, string Name), long> item) => _items.TryRemove(item);
}
