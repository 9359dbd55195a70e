using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;
using Scalable.Caching;
using Scalable.Caching.Internal;
using Scalable.TestSupport;
using StackExchange.Redis;

namespace Scalable.Benchmarks.Caching;

/// <summary>
/// An L2 hit on a ~1 KB JSON value: IScalableCache.GetOrCreateAsync with the key evicted from L1 before each read
/// (so it goes to Redis, parses the entry header, checks tags and deserializes) against a raw StackExchange.Redis
/// StringGetAsync + JsonSerializer.Deserialize of the same value (baseline). Target: within 1.15x. A third row turns
/// L2OperationTimeout off (infinite), to show what the default 500 ms bound on each Redis call costs.
/// </summary>
[MemoryDiagnoser]
[ShortRunJob]
[MinColumn]
[MedianColumn]
public class CachingL2HitBenchmarks
{
    private const string Key = "catalog:1";
    private static readonly Func<CancellationToken, ValueTask<CatalogItem>> Factory = _ => ValueTask.FromResult(CatalogItem.Sample());
    private readonly JsonSerializerOptions _json = new(JsonSerializerDefaults.Web);
    private RedisServer _server = null!;
    private ConnectionMultiplexer _rawConnection = null!;
    private ConnectionMultiplexer _cacheConnection = null!;
    private IDatabase _database = null!;
    private ServiceProvider _provider = null!;
    private IScalableCache _cache = null!;
    private ScalableCache _internal = null!;
    private ServiceProvider _unboundedProvider = null!;
    private IScalableCache _unbounded = null!;
    private ScalableCache _unboundedInternal = null!;

    [GlobalSetup]
    public async Task Setup()
    {
        ThreadPool.SetMinThreads(64, 64);
        _server = await RedisServer.StartAsync();
        _rawConnection = _server.Connect();
        _cacheConnection = _server.Connect();
        _database = _rawConnection.GetDatabase();
        await _database.StringSetAsync("raw:" + Key, JsonSerializer.SerializeToUtf8Bytes(CatalogItem.Sample(), _json));
        _provider = new ServiceCollection()
            .AddScalableCaching(o => o.DefaultEntryOptions.Duration = TimeSpan.FromHours(1))
            .WithRedis(_ => _cacheConnection)
            .Services.BuildServiceProvider();
        _cache = _provider.GetRequiredService<IScalableCache>();
        _internal = _provider.GetRequiredService<ScalableCache>();
        await _cache.GetOrCreateAsync(Key, Factory);
        _unboundedProvider = new ServiceCollection()
            .AddScalableCaching(o =>
            {
                o.DefaultEntryOptions.Duration = TimeSpan.FromHours(1);
                o.L2OperationTimeout = Timeout.InfiniteTimeSpan;
            })
            .WithRedis(_ => _cacheConnection)
            .Services.BuildServiceProvider();
        _unbounded = _unboundedProvider.GetRequiredService<IScalableCache>();
        _unboundedInternal = _unboundedProvider.GetRequiredService<ScalableCache>();
        await _unbounded.GetOrCreateAsync(Key, Factory);
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        _provider.Dispose();
        _unboundedProvider.Dispose();
        _cacheConnection.Dispose();
        _rawConnection.Dispose();
        await _server.DisposeAsync();
    }

    [Benchmark(Baseline = true, Description = "raw StringGetAsync + deserialize")]
    public async Task<CatalogItem?> RawGet()
    {
        var bytes = (byte[]?)await _database.StringGetAsync("raw:" + Key);
        return JsonSerializer.Deserialize<CatalogItem>(bytes, _json);
    }

    [Benchmark(Description = "Scalable GetOrCreateAsync (L2 hit)")]
    public async Task<CatalogItem> ScalableL2Hit()
    {
        _internal.EvictLocal(Key);
        return await _cache.GetOrCreateAsync(Key, Factory);
    }

    [Benchmark(Description = "Scalable GetOrCreateAsync (L2 hit, L2OperationTimeout infinite)")]
    public async Task<CatalogItem> ScalableL2HitWithoutTimeout()
    {
        _unboundedInternal.EvictLocal(Key);
        return await _unbounded.GetOrCreateAsync(Key, Factory);
    }
}
