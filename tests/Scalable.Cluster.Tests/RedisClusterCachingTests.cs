using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Testing;
using Scalable.Caching;
using StackExchange.Redis;

namespace Scalable.Cluster.Tests;

// Scalable.Caching on a three-master Redis Cluster: every script touches one key, so values, leases and tag stamps
// live on whichever master owns their slot, and the backplane uses classic pub/sub, which the cluster broadcasts to
// every node (sharded pub/sub is not used).
public sealed class RedisClusterCachingTests(RedisClusterFixture fixture) : IClassFixture<RedisClusterFixture>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_stampede_on_several_instances_runs_each_factory_once_with_keys_spread_over_the_masters()
    {
        var prefix = $"cc-{Guid.NewGuid():N}:";
        await using var fleet = new Fleet(fixture.Cluster, prefix, instances: 3);
        await fleet.WarmUpAsync();
        var keys = Enumerable.Range(0, 12).Select(i => $"product:{i}").ToArray();
        var runs = new ConcurrentDictionary<string, int>();

        var reads = keys.SelectMany(key => fleet.Caches.SelectMany(cache => Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
            await cache.GetOrCreateAsync(key, async ct =>
            {
                runs.AddOrUpdate(key, 1, (_, n) => n + 1);
                await Task.Delay(300, ct);
                return $"value of {key}";
            }, new CacheEntryOptions { Duration = TimeSpan.FromMinutes(5) }))))).ToList();
        var values = await Task.WhenAll(reads);

        Assert.True(keys.All(key => runs.GetValueOrDefault(key) == 1), $"factory runs per key: {string.Join(", ", runs.Select(r => $"{r.Key}={r.Value}"))}; cache log:\n{fleet.Log}");
        Assert.Equal(keys.Length * fleet.Caches.Count * 4, values.Length);
        var masters = fixture.Cluster.Ports.Count(port => fleet.Connections[0].GetServer("127.0.0.1", port).Keys(pattern: $"{prefix}*").Any());
        Assert.True(masters >= 2, $"the entries landed on {masters} master(s); the test needs them spread");
    }

    [Fact]
    public async Task Removals_and_tag_invalidations_reach_every_instance_through_the_cluster()
    {
        var prefix = $"cb-{Guid.NewGuid():N}:";
        await using var fleet = new Fleet(fixture.Cluster, prefix, instances: 2);
        var (here, there) = (fleet.Caches[0], fleet.Caches[1]);
        var tagged = new CacheEntryOptions { Duration = TimeSpan.FromMinutes(5), Tags = ["catalog"] };
        var keys = Enumerable.Range(0, 6).Select(i => $"item:{i}").ToArray();
        foreach (var key in keys)
        {
            await here.GetOrCreateAsync(key, _ => ValueTask.FromResult("v1"), tagged);
            Assert.Equal("v1", await there.GetOrCreateAsync(key, _ => ValueTask.FromResult("not from the factory"), tagged));
        }

        await here.RemoveAsync(keys[0]);
        await Eventually.TrueAsync(async () => !(await there.TryGetAsync<string>(keys[0])).HasValue, Deadline, "the removal never reached the other instance");

        await here.RemoveByTagAsync("catalog");
        foreach (var key in keys[1..])
        {
            await Eventually.TrueAsync(async () => !(await there.TryGetAsync<string>(key)).HasValue, Deadline, $"{key} survived the tag invalidation on the other instance");
        }

        Assert.Equal("v2", await there.GetOrCreateAsync(keys[1], _ => ValueTask.FromResult("v2"), tagged));
    }

    // Several instances of a service, each with its own connection to the cluster, sharing one key prefix.
    private sealed class Fleet : IAsyncDisposable
    {
        private readonly List<ServiceProvider> _providers = [];

        public Fleet(RedisClusterServer cluster, string prefix, int instances)
        {
            for (var i = 0; i < instances; i++)
            {
                // Redis timeouts far beyond any stall of a loaded machine: a slow call is not what these tests are about.
                var connection = ConnectionMultiplexer.Connect(cluster.ConnectionString + ",asyncTimeout=60000,syncTimeout=60000");
                Connections.Add(connection);
                var provider = new ServiceCollection()
                    .AddFakeLogging()
                    .AddScalableCaching(o => (o.KeyPrefix, o.L2OperationTimeout) = (prefix, TimeSpan.FromSeconds(60)))
                    .WithRedis(_ => connection).Services.BuildServiceProvider();
                _providers.Add(provider);
                Caches.Add(provider.GetRequiredService<IScalableCache>());
            }
        }

        public List<IScalableCache> Caches { get; } = [];

        public List<ConnectionMultiplexer> Connections { get; } = [];

        public string Log => string.Join("\n", _providers.SelectMany(p => p.GetFakeLogCollector().GetSnapshot()).Select(r => $"{r.Level} {r.Id} {r.Message} {r.Exception?.Message}"));

        // One round trip per instance first, so the stampede meets connections and subscriptions already set up.
        public Task WarmUpAsync() => Task.WhenAll(Caches.Select(c => c.GetOrCreateAsync($"warm-up:{Guid.NewGuid():N}", _ => ValueTask.FromResult(0)).AsTask()));

        public async ValueTask DisposeAsync()
        {
            foreach (var provider in _providers)
            {
                await provider.DisposeAsync();
            }

            foreach (var connection in Connections)
            {
                await connection.DisposeAsync();
            }
        }
    }
}
