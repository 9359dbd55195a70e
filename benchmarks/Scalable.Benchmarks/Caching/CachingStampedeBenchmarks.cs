using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;
using Scalable.Caching;
using Scalable.TestSupport;
using StackExchange.Redis;

namespace Scalable.Benchmarks.Caching;

/// <summary>
/// A fleet-wide stampede: 4 instances (each its own connection) x 50 concurrent callers on one cold key whose factory
/// takes 20 ms. Scalable (in-process single-flight + Redis lease + pub/sub wake-up) against a naive cache-aside
/// (GET, on a miss run the factory and SET) over the same Redis (baseline). Factory runs per stampede are printed
/// at the end of each run as "// factory runs per stampede". Exceptions thrown (and caught) per stampede are a column:
/// the normal path of a stampede throws none.
/// </summary>
[MemoryDiagnoser]
[ExceptionDiagnoser]
[ShortRunJob]
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
    private long _stampedes;
    private long _factoryRuns;
    private long _keySequence;

    [GlobalSetup]
    public async Task Setup()
    {
        ThreadPool.SetMinThreads(256, 256);
        _server = await RedisServer.StartAsync();
        _connections = Enumerable.Range(0, Instances).Select(_ => _server.Connect()).ToArray();
        _providers = _connections
            .Select(c => new ServiceCollection().AddScalableCaching(o => o.KeyPrefix = "bench:").WithRedis(_ => c).Services.BuildServiceProvider())
            .ToArray();
        _caches = _providers.Select(p => p.GetRequiredService<IScalableCache>()).ToArray();
        await Task.WhenAll(_caches.Select(c => c.GetOrCreateAsync("warm-up", _ => ValueTask.FromResult(0)).AsTask()));
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
