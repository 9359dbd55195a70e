using StackExchange.Redis;

namespace Scalable.Caching.Tests;

// Each test starts its own Redis, because it kills it.
public sealed class RedisOutageTests
{
    private static void FastBreaker(ScalableCachingOptions o)
    {
        o.L2CircuitBreakerFailureThreshold = 2;
        o.L2CircuitBreakerBreakDuration = TimeSpan.FromMilliseconds(500);
    }

    private static void HungRedisOptions(ScalableCachingOptions o)
    {
        FastBreaker(o);
        o.L2OperationTimeout = TimeSpan.FromMilliseconds(300);
        o.ReplayDelayAfterReconnect = TimeSpan.FromMilliseconds(100);
    }

    // Both instances hold "k" = "v1" in L1 and L2; then Redis hangs (SIGSTOP), keeping its data, while one change is made.
    private static async Task BothHoldV1ThenChangeWhileRedisHangsAsync(RedisServer server, CacheInstance a, CacheInstance b, Func<Task> change)
    {
        await a.Cache.GetOrCreateAsync("k", _ => ValueTask.FromResult("v1"));
        Assert.Equal("v1", await b.Cache.GetOrCreateAsync("k", _ => ValueTask.FromResult("b's factory")));
        await server.PauseAsync();
        try
        {
            await change();
        }
        finally
        {
            await server.ResumeAsync();
        }
    }

    [Fact]
    public async Task With_redis_stopped_reads_keep_succeeding_and_after_restart_an_outage_removal_holds_and_notices_flow_again()
    {
        await using var server = await RedisServer.StartLocalAsync();
        var prefix = CacheInstance.NewPrefix();
        using var a = CacheInstance.WithRedis(server.Connect(), FastBreaker, prefix);
        using var b = CacheInstance.WithRedis(server.Connect(), FastBreaker, prefix);
        var failSafe = new CacheEntryOptions { Duration = TimeSpan.FromMilliseconds(300), FailSafeMaxDuration = TimeSpan.FromMinutes(10), EarlyRefreshBeta = 0 };
        await a.Cache.GetOrCreateAsync("removed", _ => ValueTask.FromResult("v1"));
        Assert.Equal("v1", await b.Cache.GetOrCreateAsync("removed", _ => ValueTask.FromResult("b's factory")));
        await b.Cache.GetOrCreateAsync("short", _ => ValueTask.FromResult("s1"), failSafe);

        await server.StopAsync();

        for (var i = 0; i < 20; i++)
        {
            Assert.Equal("v1", await b.Cache.GetOrCreateAsync("removed", _ => ValueTask.FromResult("b's factory")));
            await a.Cache.SetAsync($"during-outage-{i}", i);
        }

        await Task.Delay(400);
        var stale = await b.Cache.GetOrCreateEntryAsync<string>("short", (_, _) => throw new InvalidOperationException("source down too"), failSafe);
        Assert.Equal(new CacheResult<string>("s1", true, true), stale);
        Assert.Equal("fresh", await b.Cache.GetOrCreateAsync("cold", _ => ValueTask.FromResult("fresh")));
        await a.Cache.RemoveAsync("removed");
        Assert.Equal(21, a.Internal.PendingRemovalCount); // the removal and the 20 sets that never reached L2

        await server.RestartAsync();

        await Eventually.TrueAsync(
            async () => await b.Cache.GetOrCreateAsync("removed", _ => ValueTask.FromResult("recomputed by b")) == "recomputed by b",
            because: "B to drop its copy of the removed value");
        await Eventually.TrueAsync(() => a.Internal.PendingRemovalCount == 0, because: "A to replay the removal");
        await a.Cache.SetAsync("after", "a2");
        await Eventually.TrueAsync(
            async () => await b.Cache.GetOrCreateAsync("after", _ => ValueTask.FromResult("b's factory")) == "a2",
            because: "backplane notices and L2 to work again after the restart");
        await b.Cache.SetAsync("after", "b3");
        await Eventually.TrueAsync(async () => (await a.Cache.TryGetAsync<string>("after")).Value == "b3", because: "A to hear B again");
    }

    [Fact]
    public async Task A_removal_made_while_redis_hangs_is_replayed_so_the_old_value_does_not_come_back_from_l2()
    {
        await using var server = await RedisServer.StartLocalAsync();
        using var fleet = new CacheFleet(() => server.Connect(), 2, HungRedisOptions);
        var (a, b) = (fleet[0], fleet[1]);
        await BothHoldV1ThenChangeWhileRedisHangsAsync(server, a, b, async () =>
        {
            await a.Cache.RemoveAsync("k");
            Assert.Equal(1, a.Internal.PendingRemovalCount);
        });

        await Eventually.TrueAsync(
            async () => !(await a.Cache.TryGetAsync<string>("k")).HasValue && a.Internal.PendingRemovalCount == 0,
            because: "A to replay the removal once Redis answers, never re-reading the removed value from L2");
        await Eventually.TrueAsync(async () => !(await b.Cache.TryGetAsync<string>("k")).HasValue, because: "B to hear the replayed removal");
        Assert.False((await a.Cache.TryGetAsync<string>("k")).HasValue);
    }

    [Fact]
    public async Task A_value_set_while_redis_hangs_replaces_the_old_one_on_every_instance_once_redis_answers()
    {
        await using var server = await RedisServer.StartLocalAsync();
        using var fleet = new CacheFleet(() => server.Connect(), 2, HungRedisOptions);
        var (a, b) = (fleet[0], fleet[1]);
        await BothHoldV1ThenChangeWhileRedisHangsAsync(server, a, b, async () =>
        {
            await a.Cache.SetAsync("k", "v2");
            Assert.Equal(1, a.Internal.PendingRemovalCount);
            Assert.Equal("v2", (await a.Cache.TryGetAsync<string>("k")).Value);
        });

        await Eventually.TrueAsync(() => a.Internal.PendingRemovalCount == 0, because: "A to replay the set as a removal once Redis answers");
        Assert.Equal("v2", (await a.Cache.TryGetAsync<string>("k")).Value);
        await Eventually.TrueAsync(
            async () => await b.Cache.GetOrCreateAsync("k", _ => ValueTask.FromResult("reloaded by b")) == "reloaded by b",
            because: "B to drop v1, which the set replaced, and never read it back from L2");
    }

    [Fact]
    public async Task With_throw_on_l2_errors_the_redis_failure_reaches_the_caller()
    {
        await using var server = await RedisServer.StartLocalAsync();
        using var a = CacheInstance.WithRedis(server.Connect(), o => o.ThrowOnL2Errors = true, CacheInstance.NewPrefix());
        await server.StopAsync();

        // The client's own error, or the cache's timeout if the client holds the command longer than L2OperationTimeout.
        var error = await Assert.ThrowsAnyAsync<Exception>(async () => await a.Cache.SetAsync("k", 1));
        Assert.True(error is RedisException || (error is TimeoutException && error.Message.Contains("L2OperationTimeout", StringComparison.Ordinal)), error.ToString());
    }

    [Fact]
    public async Task A_hung_redis_does_not_hold_callers_longer_than_the_operation_timeout()
    {
        await using var server = await RedisServer.StartLocalAsync();
        using var a = CacheInstance.WithRedis(server.Connect(), o => o.L2OperationTimeout = TimeSpan.FromMilliseconds(300), CacheInstance.NewPrefix());
        await a.Cache.GetOrCreateAsync("warm", _ => ValueTask.FromResult(0));

        await server.PauseAsync();
        try
        {
            var value = await a.Cache.GetOrCreateAsync("k", _ => ValueTask.FromResult("computed while redis hangs")).AsTask().WaitAsync(TimeSpan.FromSeconds(30));

            Assert.Equal("computed while redis hangs", value);
        }
        finally
        {
            await server.ResumeAsync();
        }
    }
}
