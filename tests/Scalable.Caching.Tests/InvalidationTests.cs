namespace Scalable.Caching.Tests;

public sealed class InvalidationTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    [Fact]
    public async Task Instance_b_serves_the_new_value_right_after_instance_a_updates_it()
    {
        using var fleet = new CacheFleet(redis.Connect, 2);
        var (a, b) = (fleet[0], fleet[1]);
        await a.Cache.GetOrCreateAsync("k", _ => ValueTask.FromResult("v1"));
        Assert.Equal("v1", await b.Cache.GetOrCreateAsync("k", _ => ValueTask.FromResult("b's factory")));

        await a.Cache.SetAsync("k", "v2");

        await Eventually.TrueAsync(
            async () => await b.Cache.GetOrCreateAsync("k", _ => ValueTask.FromResult("b's factory")) == "v2",
            because: "B to evict its L1 copy and read the new value");
    }

    [Fact]
    public async Task A_removal_on_one_instance_evicts_the_entry_everywhere()
    {
        using var fleet = new CacheFleet(redis.Connect, 2);
        var (a, b) = (fleet[0], fleet[1]);
        await a.Cache.GetOrCreateAsync("k", _ => ValueTask.FromResult("v1"));
        await b.Cache.GetOrCreateAsync("k", _ => ValueTask.FromResult("unused"));

        await a.Cache.RemoveAsync("k");

        await Eventually.TrueAsync(async () => !(await b.Cache.TryGetAsync<string>("k")).HasValue, because: "B to drop the removed key");
        Assert.False((await a.Cache.TryGetAsync<string>("k")).HasValue);
    }

    [Fact]
    public async Task An_instance_ignores_its_own_notices_and_keeps_serving_its_l1_copy()
    {
        using var fleet = new CacheFleet(redis.Connect, 2);
        var (a, b) = (fleet[0], fleet[1]);
        await a.Cache.GetOrCreateAsync("marker", _ => ValueTask.FromResult("old"));
        await a.Cache.SetAsync("k", "v1");

        // Redis delivers A's own notice for "k" to A before B's later notice for "marker"; once A has evicted
        // "marker" (and so reads B's value), it has had its own notice too.
        await b.Cache.SetAsync("marker", "new");
        await Eventually.TrueAsync(async () => (await a.Cache.TryGetAsync<string>("marker")).Value == "new", because: "A to process B's later notice");

        var hit = a.Cache.GetOrCreateAsync("k", _ => ValueTask.FromResult("recomputed"));

        Assert.True(hit.IsCompletedSuccessfully, "A should still serve its L1 copy, not have evicted it on its own notice");
        Assert.Equal("v1", await hit);
    }

    [Fact]
    public async Task Remove_by_tag_invalidates_tagged_entries_on_every_instance_and_leaves_others()
    {
        using var fleet = new CacheFleet(redis.Connect, 2);
        var (a, b) = (fleet[0], fleet[1]);
        var tagged = new CacheEntryOptions { Tags = ["customer:7"] };
        var bRuns = 0;
        ValueTask<string> BFactory(CancellationToken _)
        {
            Interlocked.Increment(ref bRuns);
            return ValueTask.FromResult("recomputed");
        }

        await a.Cache.GetOrCreateAsync("order:1", _ => ValueTask.FromResult("v1"), tagged);
        await a.Cache.GetOrCreateAsync("untagged", _ => ValueTask.FromResult("keep"));
        Assert.Equal("v1", await b.Cache.GetOrCreateAsync("order:1", BFactory, tagged));

        await a.Cache.RemoveByTagAsync("customer:7");

        Assert.Equal("recomputed", await a.Cache.GetOrCreateAsync("order:1", _ => ValueTask.FromResult("recomputed"), tagged));
        await Eventually.TrueAsync(async () => await b.Cache.GetOrCreateAsync("order:1", BFactory, tagged) == "recomputed", because: "B to see the tag removal");
        Assert.Equal("keep", await b.Cache.GetOrCreateAsync("untagged", _ => ValueTask.FromResult("lost")));
    }

    [Fact]
    public async Task A_new_instance_does_not_read_an_entry_whose_tag_was_removed_before_it_started()
    {
        var prefix = CacheInstance.NewPrefix();
        using var a = CacheInstance.WithRedis(redis.Connect(), prefix: prefix);
        var tagged = new CacheEntryOptions { Tags = ["t"] };
        await a.Cache.GetOrCreateAsync("k", _ => ValueTask.FromResult("old"), tagged);
        await a.Cache.RemoveByTagAsync("t");

        using var late = CacheInstance.WithRedis(redis.Connect(), prefix: prefix);

        Assert.False((await late.Cache.TryGetAsync<string>("k")).HasValue);
    }
}
