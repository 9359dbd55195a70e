using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection;
using Scalable.Caching;
using Scalable.TestSupport;
using StackExchange.Redis;
using ZiggyCreatures.Caching.Fusion;

namespace Scalable.Benchmarks.Caching;

/// <summary>
/// An L2 hit on a ~1 KB JSON value, each cache told by its own per-call option to leave L1 out (Scalable
/// <c>CacheEntryFlags.SkipL1</c>, HybridCache <c>DisableLocalCache</c>, FusionCache <c>SkipMemoryCacheRead/Write</c>),
/// so every call reads Redis, parses the entry and deserializes; against a raw StackExchange.Redis StringGetAsync +
/// JsonSerializer.Deserialize of the same value (baseline). All on one Redis and one client version.
/// </summary>
[MemoryDiagnoser]
[MinColumn]
[MedianColumn]
public class CachingL2HitBenchmarks
{
    private const string Key = "catalog:1";
    private static readonly Func<CancellationToken, ValueTask<CatalogItem>> Factory = _ => ValueTask.FromResult(CatalogItem.Sample());
    private static readonly CacheEntryOptions ScalableSkipL1 = new() { Duration = CachingPeers.Duration, Flags = CacheEntryFlags.SkipL1 };
    private static readonly HybridCacheEntryOptions HybridSkipL1 = new() { Expiration = CachingPeers.Duration, Flags = HybridCacheEntryFlags.DisableLocalCache };
    private static readonly FusionCacheEntryOptions FusionSkipL1 = new() { Duration = CachingPeers.Duration, SkipMemoryCacheRead = true, SkipMemoryCacheWrite = true };
    private readonly JsonSerializerOptions _json = new(JsonSerializerDefaults.Web);
    private RedisServer _server = null!;
    private ConnectionMultiplexer[] _connections = [];
    private IDatabase _database = null!;
    private ServiceProvider[] _providers = [];
    private IScalableCache _scalable = null!;
    private IFusionCache _fusion = null!;
    private HybridCache _hybrid = null!;

    [GlobalSetup]
    public async Task Setup()
    {
        ThreadPool.SetMinThreads(64, 64);
        _server = await RedisServer.StartAsync();
        _connections = [_server.Connect(), _server.Connect(), _server.Connect(), _server.Connect()];
        _database = _connections[0].GetDatabase();
        await _database.StringSetAsync("raw:" + Key, JsonSerializer.SerializeToUtf8Bytes(CatalogItem.Sample(), _json));
        _providers = [CachingPeers.Scalable(_connections[1], "scalable:"), CachingPeers.Fusion(_connections[2], "fusion:"), CachingPeers.Hybrid(_connections[3], "hybrid:")];
        _scalable = _providers[0].GetRequiredService<IScalableCache>();
        _fusion = _providers[1].GetRequiredService<IFusionCache>();
        _hybrid = _providers[2].GetRequiredService<HybridCache>();
        await _scalable.GetOrCreateAsync(Key, Factory);
        await _fusion.GetOrSetAsync(Key, CatalogItem.Sample());
        await _hybrid.GetOrCreateAsync(Key, Factory);
        await Task.Delay(500);
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        Array.ForEach(_providers, p => p.Dispose());
        Array.ForEach(_connections, c => c.Dispose());
        await _server.DisposeAsync();
    }

    [Benchmark(Baseline = true, Description = "raw StringGetAsync + deserialize")]
    public async Task<CatalogItem?> RawGet()
    {
        var bytes = (byte[]?)await _database.StringGetAsync("raw:" + Key);
        return JsonSerializer.Deserialize<CatalogItem>(bytes, _json);
    }

    [Benchmark(Description = "Scalable GetOrCreateAsync (SkipL1)")]
    public async Task<CatalogItem> Scalable() => await _scalable.GetOrCreateAsync(Key, Factory, ScalableSkipL1);

    [Benchmark(Description = "FusionCache GetOrSetAsync (SkipMemoryCache)")]
    public async Task<CatalogItem> Fusion() => await _fusion.GetOrSetAsync<CatalogItem>(Key, static (_, _) => Task.FromResult(CatalogItem.Sample()), FusionSkipL1);

    [Benchmark(Description = "HybridCache GetOrCreateAsync (DisableLocalCache)")]
    public async Task<CatalogItem> Hybrid() => await _hybrid.GetOrCreateAsync(Key, Factory, HybridSkipL1);
}
