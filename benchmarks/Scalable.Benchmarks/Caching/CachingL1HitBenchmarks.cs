using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;
using Scalable.Caching;

namespace Scalable.Benchmarks.Caching;

/// <summary>
/// An L1 hit through IScalableCache.GetOrCreateAsync (fresh entry, early refresh on, no listener on the meter)
/// against a raw IMemoryCache.TryGetValue of the same value (baseline). Target: at most 50 ns and 0 bytes per hit.
/// </summary>
[MemoryDiagnoser]
[ShortRunJob]
[MinColumn]
[MedianColumn]
public class CachingL1HitBenchmarks
{
    private const string Key = "product:42";
    private static readonly Func<CancellationToken, ValueTask<string>> Factory = _ => ValueTask.FromResult("computed");
    private readonly MemoryCache _raw = new(new MemoryCacheOptions());
    private ServiceProvider _provider = null!;
    private IScalableCache _cache = null!;

    [GlobalSetup]
    public async Task Setup()
    {
        _raw.Set(Key, "computed");
        _provider = new ServiceCollection().AddScalableCaching(o => o.DefaultEntryOptions.Duration = TimeSpan.FromHours(1)).Services.BuildServiceProvider();
        _cache = _provider.GetRequiredService<IScalableCache>();
        await _cache.GetOrCreateAsync(Key, Factory);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _provider.Dispose();
        _raw.Dispose();
    }

    [Benchmark(Baseline = true, Description = "raw IMemoryCache.TryGetValue")]
    public string? RawTryGetValue() => _raw.TryGetValue(Key, out var value) ? (string?)value : null;

    [Benchmark(Description = "Scalable GetOrCreateAsync (L1 hit)")]
    public string ScalableL1Hit()
    {
        var pending = _cache.GetOrCreateAsync(Key, Factory);
        return pending.IsCompletedSuccessfully ? pending.Result : pending.AsTask().GetAwaiter().GetResult();
    }
}
