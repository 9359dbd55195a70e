using Microsoft.Extensions.Caching.Hybrid;

namespace Scalable.Caching.Tests;

// The L1 hit path (ScalableCache.TryHitL1): an untagged entry skips the tag stamps, a tagged one still sees a
// removal; a cached "not found", a cached null and an entry of another type are told apart with one type test.
public sealed class L1HitPathTests
{
    [Fact]
    public async Task A_tagged_entry_served_from_l1_is_recomputed_after_its_tag_is_removed_while_an_untagged_one_stays()
    {
        var clock = new FakeTimeProvider();
        using var instance = CacheInstance.Local(time: clock);
        var tagged = new CacheEntryOptions { Tags = ["t"] };
        var runs = 0;
        ValueTask<string> Factory(CancellationToken _) => ValueTask.FromResult($"v{++runs}");

        Assert.Equal("v1", await instance.Cache.GetOrCreateAsync("tagged", Factory, tagged));
        Assert.Equal("v2", await instance.Cache.GetOrCreateAsync("plain", Factory));
        Assert.Equal("v1", await instance.Cache.GetOrCreateAsync("tagged", Factory, tagged));
        Assert.Equal("v2", await instance.Cache.GetOrCreateAsync("plain", Factory));
        clock.Advance(TimeSpan.FromMilliseconds(5));

        await instance.Cache.RemoveByTagAsync("t");

        Assert.Equal("v3", await instance.Cache.GetOrCreateAsync("tagged", Factory, tagged));
        Assert.Equal("v2", await instance.Cache.GetOrCreateAsync("plain", Factory));
        Assert.Equal(3, runs);
    }

    [Fact]
    public async Task Through_hybrid_cache_a_tagged_entry_served_from_l1_is_recomputed_after_its_tag_is_removed()
    {
        var clock = new FakeTimeProvider();
        using var instance = CacheInstance.Local(time: clock);
        var runs = 0;
        ValueTask<string> Factory(CancellationToken _) => ValueTask.FromResult($"v{++runs}");

        Assert.Equal("v1", await instance.Hybrid.GetOrCreateAsync("tagged", Factory, tags: ["t"]));
        Assert.Equal("v1", await instance.Hybrid.GetOrCreateAsync("tagged", Factory, tags: ["t"]));
        clock.Advance(TimeSpan.FromMilliseconds(5));

        await instance.Hybrid.RemoveByTagAsync("t");

        Assert.Equal("v2", await instance.Hybrid.GetOrCreateAsync("tagged", Factory, tags: ["t"]));
        Assert.Equal(2, runs);
    }

    [Fact]
    public async Task An_l1_hit_past_the_duration_is_not_served_as_fresh()
    {
        var clock = new FakeTimeProvider();
        using var instance = CacheInstance.Local(time: clock);
        var options = new CacheEntryOptions { Duration = TimeSpan.FromSeconds(10) };
        var runs = 0;
        ValueTask<string> Factory(CancellationToken _) => ValueTask.FromResult($"v{++runs}");

        Assert.Equal("v1", await instance.Cache.GetOrCreateAsync("k", Factory, options));
        clock.Advance(TimeSpan.FromSeconds(9));
        Assert.Equal("v1", await instance.Cache.GetOrCreateAsync("k", Factory, options));
        clock.Advance(TimeSpan.FromSeconds(2));

        Assert.Equal("v2", await instance.Cache.GetOrCreateAsync("k", Factory, options));
    }

    [Fact]
    public async Task A_cached_not_found_and_a_cached_null_are_l1_hits_without_the_factory()
    {
        using var instance = CacheInstance.Local();
        var runs = 0;

        var first = await instance.Cache.GetOrCreateEntryAsync<string>("missing", (context, _) => { runs++; context.NotFound(TimeSpan.FromMinutes(1)); return ValueTask.FromResult("ignored"); });
        var again = await instance.Cache.GetOrCreateEntryAsync<string>("missing", (_, _) => { runs++; return ValueTask.FromResult("computed"); });
        await instance.Cache.GetOrCreateAsync<string?>("null", _ => { runs++; return ValueTask.FromResult<string?>(null); });
        var nullAgain = await instance.Cache.GetOrCreateEntryAsync<string?>("null", (_, _) => { runs++; return ValueTask.FromResult<string?>("computed"); });

        Assert.False(first.HasValue);
        Assert.False(again.HasValue);
        Assert.True(nullAgain.HasValue);
        Assert.Null(nullAgain.Value);
        Assert.Equal(2, runs);
    }

    [Fact]
    public async Task An_l1_entry_read_as_another_type_goes_to_the_factory_and_one_read_as_a_base_type_is_a_hit()
    {
        using var instance = CacheInstance.Local();
        await instance.Cache.SetAsync("k", "text");

        Assert.Equal("text", await instance.Cache.GetOrCreateAsync<object>("k", _ => ValueTask.FromResult<object>("computed")));
        Assert.Equal(7, await instance.Cache.GetOrCreateAsync("k", _ => ValueTask.FromResult(7)));
    }

    [Fact]
    public async Task A_call_that_skips_the_l1_read_does_not_get_the_l1_value()
    {
        using var instance = CacheInstance.Local();
        await instance.Cache.SetAsync("k", "in l1");

        Assert.Equal("computed", await instance.Cache.GetOrCreateAsync("k", _ => ValueTask.FromResult("computed"), new CacheEntryOptions { Flags = CacheEntryFlags.SkipL1Read }));
        await instance.Hybrid.SetAsync("k2", "in l1");
        Assert.Equal("computed", await instance.Hybrid.GetOrCreateAsync("k2", _ => ValueTask.FromResult("computed"), new HybridCacheEntryOptions { Flags = HybridCacheEntryFlags.DisableLocalCacheRead }));
    }

    // On the system clock an entry without tags, fail-safe or staleness is served without a clock read of the cache's
    // own: MemoryCache drops it at its expiry. These check that it does, and that the other entries still take the full check.
    [Fact]
    public async Task On_the_system_clock_a_plain_entry_leaves_l1_at_its_duration()
    {
        using var instance = CacheInstance.Local();
        var options = new CacheEntryOptions { Duration = TimeSpan.FromMilliseconds(300) };
        var runs = 0;
        ValueTask<string> Factory(CancellationToken _) => ValueTask.FromResult($"v{Interlocked.Increment(ref runs)}");

        Assert.Equal("v1", await instance.Cache.GetOrCreateAsync("k", Factory, options));

        await Eventually.TrueAsync(async () => await instance.Cache.GetOrCreateAsync("k", Factory, options) != "v1", because: "the entry to expire");
    }

    [Fact]
    public async Task On_the_system_clock_a_fail_safe_entry_past_its_duration_is_not_served_as_fresh()
    {
        using var instance = CacheInstance.Local();
        // Early refresh off: a draw would run the failing factory early and store a stale entry, hiding what is tested here.
        var options = new CacheEntryOptions { Duration = TimeSpan.FromMilliseconds(300), FailSafeMaxDuration = TimeSpan.FromMinutes(5), EarlyRefreshBeta = 0 };
        await instance.Cache.GetOrCreateAsync("k", _ => ValueTask.FromResult("v1"), options);

        CacheResult<string> result = default;
        await Eventually.TrueAsync(
            async () =>
            {
                result = await instance.Cache.GetOrCreateEntryAsync<string>("k", (_, _) => throw new InvalidOperationException("source down"), options);
                return result.IsStale;
            },
            because: "the failing factory to run once the entry is past its duration, and fail-safe to serve the stale value");
        Assert.Equal("v1", result.Value);
    }

    [Fact]
    public async Task On_the_system_clock_a_tagged_entry_served_from_l1_is_recomputed_after_its_tag_is_removed()
    {
        using var instance = CacheInstance.Local();
        var tagged = new CacheEntryOptions { Tags = ["t"] };
        var runs = 0;
        ValueTask<string> Factory(CancellationToken _) => ValueTask.FromResult($"v{Interlocked.Increment(ref runs)}");
        Assert.Equal("v1", await instance.Cache.GetOrCreateAsync("tagged", Factory, tagged));
        Assert.Equal("v1", await instance.Cache.GetOrCreateAsync("tagged", Factory, tagged));

        await instance.Cache.RemoveByTagAsync("t");

        Assert.Equal("v2", await instance.Cache.GetOrCreateAsync("tagged", Factory, tagged));
    }
}
