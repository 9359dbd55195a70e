namespace Scalable.Caching.Tests;

// Per-call flags that leave out L1 or L2, and the local-only eviction.
public sealed class CacheEntryFlagsTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    [Fact]
    public async Task SkipL1Read_reads_the_value_from_l2()
    {
        var (a, b) = await CacheFleet.L1BehindL2Async(redis.Connect);
        using var disposeA = a;
        using var disposeB = b;

        Assert.Equal("v2", await a.Cache.GetOrCreateAsync("k", _ => ValueTask.FromResult("factory"), new CacheEntryOptions { Flags = CacheEntryFlags.SkipL1Read }));
    }

    [Fact]
    public async Task SkipL1_keeps_nothing_in_this_process()
    {
        using var fleet = new CacheFleet(redis.Connect, 2);
        var (a, b) = (fleet[0], fleet[1]);
        var skip = new CacheEntryOptions { Flags = CacheEntryFlags.SkipL1 };

        Assert.Equal("v1", await a.Cache.GetOrCreateAsync("k", _ => ValueTask.FromResult("v1"), skip));
        await Eventually.TrueAsync(async () => (await b.Cache.TryGetAsync<string>("k")).Value == "v1", because: "the value to reach L2");

        Assert.Equal(0, a.Internal.L1Count);
        Assert.Equal("v1", await a.Cache.GetOrCreateAsync("k", _ => ValueTask.FromResult("recomputed"), skip));
        Assert.Equal(0, a.Internal.L1Count);
    }

    [Fact]
    public async Task SkipL2_leaves_l2_and_the_other_instances_alone()
    {
        using var fleet = new CacheFleet(redis.Connect, 2);
        var (a, b) = (fleet[0], fleet[1]);
        var skip = new CacheEntryOptions { Flags = CacheEntryFlags.SkipL2 };

        Assert.Equal("local", await a.Cache.GetOrCreateAsync("k", _ => ValueTask.FromResult("local"), skip));
        await a.Cache.SetAsync("s", "local set", skip);

        Assert.Equal("local", await a.Cache.GetOrCreateAsync("k", _ => ValueTask.FromResult("recomputed")));
        Assert.Equal("b's factory", await b.Cache.GetOrCreateAsync("k", _ => ValueTask.FromResult("b's factory")));
        Assert.False((await b.Cache.TryGetAsync<string>("s")).HasValue);
    }

    [Fact]
    public async Task A_local_only_eviction_drops_this_instances_copy_and_keeps_l2_and_the_others()
    {
        using var fleet = new CacheFleet(redis.Connect, 2);
        var (a, b) = (fleet[0], fleet[1]);
        await a.Cache.GetOrCreateAsync("k", _ => ValueTask.FromResult("v1"));
        Assert.Equal("v1", await b.Cache.GetOrCreateAsync("k", _ => ValueTask.FromResult("b's factory")));

        await a.Cache.RemoveAsync("k", CacheEntryFlags.SkipL2Write);

        Assert.Equal(0, a.Internal.L1Count);
        Assert.Equal("v1", await a.Cache.GetOrCreateAsync("k", _ => ValueTask.FromResult("a's factory")));
        Assert.Equal("v1", await b.Cache.GetOrCreateAsync("k", _ => ValueTask.FromResult("b's factory")));
    }
}
