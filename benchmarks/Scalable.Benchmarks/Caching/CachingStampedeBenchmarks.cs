using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection;
using Scalable.Caching;
using Scalable.TestSupport;
using StackExchange.Redis;
using ZiggyCreatures.Caching.Fusion;

namespace Scalable.Benchmarks.Caching;

/// <summary>
/// A fleet-wide stampede: 4 instances (each its own connection) x 50 concurrent callers on one cold key whose factory
/// takes 20 ms. Scalable (in-process single-flight + Redis lease + pub/sub wake-up), FusionCache (Redis distributed
/// cache, backplane and distributed locker) and HybridCache (Redis IDistributedCache) against a naive cache-aside
/// (GET, on a miss run the factory and SET) over the same Redis (baseline). Factory runs per stampede are printed
/// at the end of each run as "// factory runs per stampede". Exceptions thrown (and caught) per stampede are a column:
/// the normal path of a stampede throws none.
/// </summary>
[MemoryDiagnoser]
[ExceptionDiagnoser]
[MinColumn]
[MedianColumn]
public class CachingStampedeBenchmarks
{
    private const int Instances = 4;
    private const int CallersPerInstance = 50;
    private RedisServer _server = null!;
    private ConnectionMultiplexer[] _connections = [];
    private ServiceProvider[] _providers = [];
    private IScalableCache[] _caches = [];
    private IFusionCache[] _fusion = [];
    private HybridCache[] _hybrid = [];
    private long _stampedes;
    private long _factoryRuns;
    private long _keySequence;

    [GlobalSetup]
    public async Task Setup()
    {
        ThreadPool.SetMinThreads(256, 256);
        _server = await RedisServer.StartAsync();
        _connections = Enumerable.Range(0, Instances).Select(_ => _server.Connect()).ToArray();
        var scalable = _connections.Select(c => CachingPeers.Scalable(c, "scalable:")).ToArray();
        var fusion = _connections.Select(c => CachingPeers.Fusion(c, "fusion:")).ToArray();
        var hybrid = _connections.Select(c => CachingPeers.Hybrid(c, "hybrid:")).ToArray();
        _providers = [.. scalable, .. fusion, .. hybrid];
        _caches = scalable.Select(p => p.GetRequiredService<IScalableCache>()).ToArray();
        _fusion = fusion.Select(p => p.GetRequiredService<IFusionCache>()).ToArray();
        _hybrid = hybrid.Select(p => p.GetRequiredService<HybridCache>()).ToArray();
        await Task.WhenAll(_caches.Select(c => c.GetOrCreateAsync("warm-up", _ => ValueTask.FromResult(0)).AsTask()));
        await Task.WhenAll(_fusion.Select(c => c.GetOrSetAsync("warm-up", 0).AsTask()));
        await Task.WhenAll(_hybrid.Select(c => c.GetOrCreateAsync("warm-up", _ => ValueTask.FromResult(0)).AsTask()));
        _factoryRuns = 0;
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        Console.WriteLine($"// factory runs per stampede: {(double)_factoryRuns / Math.Max(1, _stampedes):0.##} ({_factoryRuns} runs in {_stampedes} stampedes)");
        Array.ForEach(_providers, p => p.Dispose());
        Array.ForEach(_connections, c => c.Dispose());
        await _server.DisposeAsync();
    }

    [Benchmark(Baseline = true, Description = "naive get-then-set")]
    public Task NaiveGetThenSet()
    {
        var key = NextKey();
        return RunStampede(i => NaiveAsync(_connections[i % Instances].GetDatabase(), key));
    }

    [Benchmark(Description = "Scalable GetOrCreateAsync")]
    public Task ScalableGetOrCreate()
    {
        var key = NextKey();
        return RunStampede(i => _caches[i % Instances].GetOrCreateAsync(key, FactoryAsync).AsTask());
    }

    [Benchmark(Description = "FusionCache GetOrSetAsync (Redis locker)")]
    public Task FusionGetOrSet()
    {
        var key = NextKey();
        return RunStampede(i => _fusion[i % Instances].GetOrSetAsync<int>(key, async (_, ct) => await FactoryAsync(ct)).AsTask());
    }

    [Benchmark(Description = "HybridCache GetOrCreateAsync")]
    public Task HybridGetOrCreate()
    {
        var key = NextKey();
        return RunStampede(i => _hybrid[i % Instances].GetOrCreateAsync(key, FactoryAsync).AsTask());
    }

    private string NextKey() => $"stampede:{Interlocked.Increment(ref _keySequence)}:{Guid.NewGuid():N}";

    private async Task RunStampede(Func<int, Task<int>> call)
    {
        Interlocked.Increment(ref _stampedes);
        await Task.WhenAll(Enumerable.Range(0, Instances * CallersPerInstance).Select(i => Task.Run(() => call(i))));
    }

    private async Task<int> NaiveAsync(IDatabase database, string key)
    {
        var cached = await database.StringGetAsync("naive:" + key);
        if (cached.HasValue)
        {
            return (int)cached;
        }

        var value = await FactoryAsync(CancellationToken.None);
        await database.StringSetAsync("naive:" + key, value, TimeSpan.FromMinutes(5));
        return value;
    }

    private async ValueTask<int> FactoryAsync(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _factoryRuns);
        await Task.Delay(20, cancellationToken);
        return 42;
    }
}
