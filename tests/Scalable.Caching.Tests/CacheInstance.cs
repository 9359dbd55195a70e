using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Scalable.Caching.Internal;
using StackExchange.Redis;

namespace Scalable.Caching.Tests;

// One cache "instance" as a service would have it: its own service provider and, with Redis, its own connection.
internal sealed class CacheInstance : IDisposable
{
    private readonly ServiceProvider _provider;

    // StackExchange.Redis 1.2.6 parks thread-pool threads in its socket loops; with several connections
    // per test on two cores the pool would otherwise inject threads slowly and stall unrelated awaits.
    static CacheInstance() => ThreadPool.SetMinThreads(64, 64);

    private CacheInstance(ServiceProvider provider, ConnectionMultiplexer? connection, ListLogger log)
    {
        Log = log;
        _provider = provider;
        Connection = connection;
        Cache = provider.GetRequiredService<IScalableCache>();
        Internal = provider.GetRequiredService<ScalableCache>();
    }

    public IScalableCache Cache { get; }

    // The same cache through the HybridCache entry point that AddScalableCaching registers.
    public HybridCache Hybrid => _provider.GetRequiredService<HybridCache>();

    public ScalableCache Internal { get; }

    public ConnectionMultiplexer? Connection { get; }

    public ListLogger Log { get; }

    public static CacheInstance Local(Action<ScalableCachingOptions>? configure = null, TimeProvider? time = null)
        => Build(null, configure, time, null);

    public static CacheInstance WithRedis(ConnectionMultiplexer connection, Action<ScalableCachingOptions>? configure = null, string? prefix = null)
        => Build(connection, configure, null, prefix);

    public static CacheInstance Build(ConnectionMultiplexer? connection, Action<ScalableCachingOptions>? configure, TimeProvider? time, string? prefix, Action<IServiceCollection>? more = null)
    {
        var log = new ListLogger();
        var services = new ServiceCollection();
        services.AddLogging(l => l.AddProvider(log).SetMinimumLevel(LogLevel.Debug));
        if (time is not null)
        {
            services.AddSingleton(time);
        }

        var builder = services.AddScalableCaching(options =>
        {
            if (prefix is not null)
            {
                options.KeyPrefix = prefix;
            }

            configure?.Invoke(options);
        });
        if (connection is not null)
        {
            builder.WithRedis(_ => connection);
        }

        more?.Invoke(services);
        return new CacheInstance(services.BuildServiceProvider(), connection, log);
    }

    public static string NewKey() => $"key-{Guid.NewGuid():N}";

    public static string NewPrefix() => $"test-{Guid.NewGuid():N}:";

    public void Dispose()
    {
        _provider.Dispose();
        Connection?.Dispose();
    }
}
