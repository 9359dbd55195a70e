using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Scalable.Caching.Tests;

// Totals of one instance's counters, by instrument name and level ("scalable.cache.hits[l1]"), as they are recorded:
// a counter the cache adds to on the caller's path is up to date as soon as the call returns.
internal sealed class CacheCounters : IDisposable
{
    private readonly ConcurrentDictionary<string, long> _counts = new(StringComparer.Ordinal);
    private readonly MeterListener _listener = new();

    public CacheCounters(CacheInstance instance)
    {
        _listener.InstrumentPublished = (instrument, l) =>
        {
            if (ReferenceEquals(instrument.Meter, instance.Internal.Meter))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            var level = tags.Length > 0 ? $"[{tags[0].Value}]" : string.Empty;
            _counts.AddOrUpdate(instrument.Name + level, value, (_, old) => old + value);
        });
        _listener.Start();
    }

    public long this[string name] => _counts.GetValueOrDefault(name);

    public void Dispose() => _listener.Dispose();
}
