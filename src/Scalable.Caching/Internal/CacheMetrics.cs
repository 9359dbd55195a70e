using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;

namespace Scalable.Caching.Internal;

// The package's instruments, on one Meter named like the package.
internal sealed class CacheMetrics : IDisposable
{
    public const string MeterName = "Scalable.Caching";
    private static readonly KeyValuePair<string, object?> L1 = new("cache.level", "l1");
    private static readonly KeyValuePair<string, object?> L2 = new("cache.level", "l2");
    private readonly bool _ownsMeter;
    private readonly Counter<long> _hits;
    private readonly Counter<long> _misses;
    private readonly Counter<long> _factoryRuns;
    private readonly Counter<long> _factoryErrors;
    private readonly Histogram<double> _factoryDuration;
    private readonly Counter<long> _coalesced;
    private readonly Counter<long> _staleServed;
    private readonly Counter<long> _earlyRefreshes;
    private readonly Counter<long> _l2Errors;

    public CacheMetrics(IMeterFactory? factory)
    {
        _ownsMeter = factory is null;
        Meter = factory?.Create(MeterName) ?? new Meter(MeterName);
        _hits = Meter.CreateCounter<long>("scalable.cache.hits", "{hit}", "Reads answered from the cache, by level (l1, l2).");
        _misses = Meter.CreateCounter<long>("scalable.cache.misses", "{miss}", "Reads that found no fresh value in L1 or L2.");
        _factoryRuns = Meter.CreateCounter<long>("scalable.cache.factory.runs", "{run}", "Factory executions in this instance.");
        _factoryErrors = Meter.CreateCounter<long>("scalable.cache.factory.errors", "{error}", "Factory executions that threw or timed out.");
        _factoryDuration = Meter.CreateHistogram<double>("scalable.cache.factory.duration", "s", "How long factories ran.");
        _coalesced = Meter.CreateCounter<long>("scalable.cache.coalesced_waiters", "{caller}", "Callers that joined a computation already under way instead of starting one.");
        _staleServed = Meter.CreateCounter<long>("scalable.cache.stale_served", "{value}", "Stale values served by fail-safe or a soft timeout.");
        _earlyRefreshes = Meter.CreateCounter<long>("scalable.cache.early_refreshes", "{refresh}", "Background refreshes started before expiry (XFetch).");
        _l2Errors = Meter.CreateCounter<long>("scalable.cache.l2.errors", "{error}", "L2, lease and backplane operations that failed.");
    }

    public Meter Meter { get; }

    // The L1 hit is the hot path: inlined, and with nobody listening it skips even the measurement call.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void L1Hit()
    {
        if (_hits.Enabled)
        {
            CountL1Hit();
        }
    }

    public void L2Hit() => _hits.Add(1, L2);

    public void Miss() => _misses.Add(1);

    public void FactoryRun(double seconds, bool failed)
    {
        _factoryRuns.Add(1);
        _factoryDuration.Record(seconds);
        if (failed)
        {
            _factoryErrors.Add(1);
        }
    }

    public void Coalesced() => _coalesced.Add(1);

    public void StaleServed() => _staleServed.Add(1);

    public void EarlyRefresh() => _earlyRefreshes.Add(1);

    public void L2Error() => _l2Errors.Add(1);

    public void Dispose()
    {
        if (_ownsMeter)
        {
            Meter.Dispose();
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void CountL1Hit() => _hits.Add(1, L1);
}
