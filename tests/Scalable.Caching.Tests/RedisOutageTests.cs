using System.Diagnostics;
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
    private static async Task BothHoldV1ThenChangeWhileRedisHangsAsync(RedisServer server, CacheInstance a, CacheInstance b, Func<Task> change, Func<Task>? before = null)
    {
        await a.Cache.GetOrCreateAsync("k", _ => ValueTask.FromResult("v1"));
        Assert.Equal("v1", await b.Cache.GetOrCreateAsync("k", _ => ValueTask.FromResult("b's factory")));
        if (before is not null)
        {
            await before();
        }

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

    // Checks what A serves from the moment Redis answers again until its queued removals are replayed, and once after:
    // a single wrong read fails (an Eventually would let a temporary re-read of the old L2 value through).
    private static async Task UntilReplayedAsync(CacheInstance a, Func<Task> check)
    {
        var limit = Stopwatch.StartNew();
        while (a.Internal.PendingRemovalCount > 0)
        {
            await check();
            Assert.True(limit.Elapsed < TimeSpan.FromSeconds(30), $"A did not replay its queued removals within 30 s; its log:\n{a.Log.Text}");
            await Task.Delay(10);
        }

        await check();
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

        // The notice of A's computation (sent behind A's caller) can reach B after B has read the value, and evict B's copy: read until it stays.
        await Eventually.TrueAsync(
            async () =>
            {
                Assert.Equal("v1", await b.Cache.GetOrCreateAsync("removed", _ => ValueTask.FromResult("b's factory")));
                await Task.Delay(100);
                return b.Internal.L1Count == 1;
            },
            because: "B to keep its copy of the value A computed");
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
    public async Task A_removal_made_while_redis_hangs_is_replayed_and_until_then_the_old_value_is_never_read_back_from_l2()
    {
        await using var server = await RedisServer.StartLocalAsync();
        var prefix = CacheInstance.NewPrefix();

        // The breaker stays closed, so A's reads do reach Redis as soon as it answers, and the replay loop waits
        // a break (2 s) first: reads meet L2 while the removal is still queued.
        void Options(ScalableCachingOptions o)
        {
            HungRedisOptions(o);
            o.L2CircuitBreakerFailureThreshold = 1000;
            o.L2CircuitBreakerBreakDuration = TimeSpan.FromSeconds(2);
        }

        using var a = CacheInstance.WithRedis(server.Connect(), Options, prefix);
        using var b = CacheInstance.WithRedis(server.Connect(), Options, prefix);
        using var raw = server.Connect();
        var stored = $"{prefix}v:k";
        byte[]? old = null;
        await BothHoldV1ThenChangeWhileRedisHangsAsync(server, a, b, async () =>
        {
            await a.Cache.RemoveAsync("k");
            Assert.Equal(1, a.Internal.PendingRemovalCount);
        }, before: async () => old = (byte[]?)await raw.GetDatabase().StringGetAsync(stored));

        // A frozen Redis still runs the removal (a tombstone in place of the value) it was sent when it wakes. Put v1
        // back as a Redis that never got the removal would still hold it (lost with a connection, or restarted from its
        // persistence): only the queue keeps A from reading it.
        Assert.NotNull(old);
        async Task<bool> HoldsV1Async() => (byte[]?)await raw.GetDatabase().StringGetAsync(stored) is { } now && now.AsSpan().SequenceEqual(old);
        await Eventually.TrueAsync(async () => !await HoldsV1Async(), because: "the frozen Redis to run the removal it received");
        await raw.GetDatabase().StringSetAsync(stored, old);

        await UntilReplayedAsync(a, async () => Assert.False((await a.Cache.TryGetAsync<string>("k")).HasValue, "A re-read the removed value from L2"));
        Assert.False(await HoldsV1Async(), "the replay should remove the value L2 still held");
        await Eventually.TrueAsync(async () => !(await b.Cache.TryGetAsync<string>("k")).HasValue, because: "B to hear the replayed removal");
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

        await UntilReplayedAsync(a, async () => Assert.Equal("v2", (await a.Cache.TryGetAsync<string>("k")).Value));
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
    public async Task A_hung_redis_does_not_hold_a_caller_longer_than_the_documented_bound_for_its_operation_timeout()
    {
        // docs/caching.md: at most about four timed-out calls before the breaker skips Redis, 3 s for the default 0.5 s;
        // scaled to 0.3 s that is 1.8 s. The connection's own timeout (2 s here) would hold a caller 6 s or more.
        var timeout = TimeSpan.FromMilliseconds(300);
        var bound = timeout * 6;
        var slack = TimeSpan.FromSeconds(2); // headroom for a loaded two-core machine, still under the 6 s the client would take
        await using var server = await RedisServer.StartLocalAsync();
        using var a = CacheInstance.WithRedis(server.Connect(), o => o.L2OperationTimeout = timeout, CacheInstance.NewPrefix());
        await a.Cache.GetOrCreateAsync("warm", _ => ValueTask.FromResult(0));

        await server.PauseAsync();
        try
        {
            var watch = Stopwatch.StartNew();
            var value = await a.Cache.GetOrCreateAsync("k", _ => ValueTask.FromResult("computed while redis hangs")).AsTask().WaitAsync(TimeSpan.FromSeconds(30));
            var took = watch.Elapsed;

            Assert.Equal("computed while redis hangs", value);
            Assert.True(took <= bound + slack, $"the caller waited {took.TotalSeconds:0.00} s; its log:\n{a.Log.Text}");
        }
        finally
        {
            await server.ResumeAsync();
        }
    }
}
