using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;
using Scalable.Caching;
using ZiggyCreatures.Caching.Fusion;

namespace Scalable.Benchmarks.Caching;

/// <summary>
/// An L1 hit of a small immutable record, through each cache's get-or-create call (fresh entry, no listener on any
/// meter), against a raw IMemoryCache.TryGetValue of the same value (baseline). Target for Scalable: at most 1.3x the
/// baseline and 0 bytes per hit. The peers run L1-only here: a hit does not touch their L2. Scalable's entry is stored
/// after a warm-up call, so its factory took under 1 ms and early refresh cannot draw (no clock read on the hit); the
/// "early refresh armed" row reads an entry whose factory took 5 ms, so each hit reads the clock for the XFetch check.
/// </summary>
[MemoryDiagnoser]
[MinColumn]
[MedianColumn]
public class CachingL1HitBenchmarks
{
    private const string Key = "price:42";
    private const string ArmedKey = "price:43";
    private static readonly Price Value = new(42, 9.99m);
    private static readonly Func<CancellationToken, ValueTask<Price>> Factory = _ => ValueTask.FromResult(Value);
    private readonly MemoryCache _raw = new(new MemoryCacheOptions());
    private ServiceProvider[] _providers = [];
    private IScalableCache _scalable = null!;
    private HybridCache _scalableHybrid = null!;
    private IFusionCache _fusion = null!;
    private HybridCache _hybrid = null!;

    [GlobalSetup]
    public async Task Setup()
    {
        _raw.Set(Key, Value);
        _providers = [CachingPeers.Scalable(null, "bench:"), CachingPeers.Fusion(null, "bench:"), CachingPeers.Hybrid(null, "bench:")];
        _scalable = _providers[0].GetRequiredService<IScalableCache>();
        _scalableHybrid = _providers[0].GetRequiredService<HybridCache>();
        _fusion = _providers[1].GetRequiredService<IFusionCache>();
        _hybrid = _providers[2].GetRequiredService<HybridCache>();
        await _scalable.GetOrCreateAsync("warm-up", Factory);
        await _scalable.GetOrCreateAsync(Key, Factory);
        await _scalable.GetOrCreateAsync(ArmedKey, async _ =>
        {
            await Task.Delay(5);
            return Value;
        });
        await _fusion.GetOrSetAsync(Key, Value);
        await _hybrid.GetOrCreateAsync(Key, Factory);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        Array.ForEach(_providers, p => p.Dispose());
        _raw.Dispose();
    }

    [Benchmark(Baseline = true, Description = "raw IMemoryCache.TryGetValue")]
    public Price? RawTryGetValue() => _raw.TryGetValue(Key, out var value) ? (Price?)value : null;

    [Benchmark(Description = "Scalable GetOrCreateAsync")]
    public Price Scalable() => Result(_scalable.GetOrCreateAsync(Key, Factory));

    [Benchmark(Description = "Scalable, early refresh armed")]
    public Price ScalableArmed() => Result(_scalable.GetOrCreateAsync(ArmedKey, Factory));

    [Benchmark(Description = "Scalable through HybridCache")]
    public Price ScalableAsHybridCache() => Result(_scalableHybrid.GetOrCreateAsync(Key, Factory));

    [Benchmark(Description = "FusionCache GetOrSetAsync")]
    public Price Fusion() => Result(_fusion.GetOrSetAsync<Price>(Key, static (_, _) => Task.FromResult(Value)));

    [Benchmark(Description = "HybridCache GetOrCreateAsync")]
    public Price Hybrid() => Result(_hybrid.GetOrCreateAsync(Key, Factory));

    private static Price Result(ValueTask<Price> pending) => pending.IsCompletedSuccessfully ? pending.Result : pending.AsTask().GetAwaiter().GetResult();
}
