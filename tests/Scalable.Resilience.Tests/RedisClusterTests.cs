using Scalable.TestSupport;

namespace Scalable.Resilience.Tests;

// One script per decision touching one hash-tagged key, so every limiter works on a Redis Cluster whose partitions
// spread over several masters (a real three-master cluster from Scalable.TestSupport).
public sealed class RedisClusterTests(RedisClusterFixture fixture) : IClassFixture<RedisClusterFixture>
{
    private readonly RedisClusterServer _cluster = fixture.Cluster;

    [Fact]
    public async Task Partitions_spread_over_the_masters_and_each_keeps_its_own_shared_limit()
    {
        using var first = _cluster.Connect();
        using var second = _cluster.Connect();
        var options = new RedisGcraRateLimiterOptions { Name = $"cluster-{Guid.NewGuid():N}", PermitLimit = 1, Window = TimeSpan.FromMinutes(1), BurstLimit = 2 };
        using var a = RedisRateLimiters.CreateGcra<string>(first, options, user => user);
        using var b = RedisRateLimiters.CreateGcra<string>(second, options, user => user);
        var users = Enumerable.Range(0, 24).Select(i => $"user-{i}").ToArray();

        foreach (var user in users)
        {
            Assert.True((await a.AcquireAsync(user)).IsAcquired);
            Assert.True((await b.AcquireAsync(user)).IsAcquired);
            Assert.False((await a.AcquireAsync(user)).IsAcquired);
            Assert.False((await b.AcquireAsync(user)).IsAcquired);
        }

        var mastersWithKeys = _cluster.Ports
            .Select(port => first.GetServer("127.0.0.1", port).Keys(pattern: $"scalable:rl:gcra:{options.Name}:*").Count())
            .Count(count => count > 0);
        Assert.True(mastersWithKeys >= 2, $"the partitions landed on {mastersWithKeys} master(s)");
    }

    [Fact]
    public async Task Sliding_window_and_concurrency_limiters_work_on_the_cluster()
    {
        using var connection = _cluster.Connect();
        using var window = new RedisSlidingWindowRateLimiter(connection, new() { Name = $"cw-{Guid.NewGuid():N}", PermitLimit = 2, Window = TimeSpan.FromMinutes(1) }, "tenant-a");
        using var concurrency = new RedisConcurrencyLimiter(connection, new() { Name = $"cc-{Guid.NewGuid():N}", PermitLimit = 1 }, "tenant-b");

        Assert.True((await window.AcquireAsync(2)).IsAcquired);
        Assert.False((await window.AcquireAsync()).IsAcquired);
        var held = await concurrency.AcquireAsync();
        Assert.True(held.IsAcquired);
        Assert.False((await concurrency.AcquireAsync()).IsAcquired);
        Assert.True(await concurrency.RenewAsync(held));
        Assert.False(window.IsInOutage || concurrency.IsInOutage);
    }
}
