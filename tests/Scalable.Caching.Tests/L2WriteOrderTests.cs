using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Scalable.Caching.Tests;

// A factory's value reaches L2 behind its callers. If another instance set or removed the key after the factory
// started and this instance has not heard of it yet (its notice still on the way, here: never, A has no backplane),
// the late write must not replace that newer change in L2. The instances share one clock, moved on a second between
// the factory's start and the change, so the creation stamps tell them apart however loaded the machine is.
public sealed class L2WriteOrderTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);

    [Fact]
    public async Task A_fill_computed_before_another_instances_set_does_not_overwrite_it_in_l2()
    {
        var prefix = CacheInstance.NewPrefix();
        using var a = Open(prefix, o => o.EnableBackplane = false);
        using var b = Open(prefix);

        await FillAroundAsync(a, () => b.Cache.SetAsync("k", "new").AsTask());

        using var c = Open(prefix);
        Assert.Equal("new", (await c.Cache.TryGetAsync<string>("k")).Value);
        Assert.Equal("new", await b.Cache.GetOrCreateAsync("k", _ => ValueTask.FromResult("recomputed")));

        // A learnt from the refused write that L2 holds something newer: its own copy is gone although no notice came.
        Assert.Equal("new", await a.Cache.GetOrCreateAsync("k", _ => ValueTask.FromResult("recomputed")));
    }

    [Fact]
    public async Task A_refresh_computed_before_another_instances_set_does_not_overwrite_it_in_l2()
    {
        var prefix = CacheInstance.NewPrefix();
        using var a = Open(prefix, o => o.EnableBackplane = false);
        using var b = Open(prefix);
        var stale = new CacheEntryOptions { Duration = TimeSpan.FromMilliseconds(1), FailSafeMaxDuration = TimeSpan.FromMinutes(5) };
        await b.Cache.SetAsync("k", "first", stale);
        _clock.Advance(TimeSpan.FromSeconds(1));

        // L2 holds an entry older than the factory's start, so the write must compare creation stamps, not mere presence.
        await FillAroundAsync(a, () => b.Cache.SetAsync("k", "new").AsTask());

        using var c = Open(prefix);
        Assert.Equal("new", (await c.Cache.TryGetAsync<string>("k")).Value);
    }

    [Fact]
    public async Task A_fill_computed_before_another_instances_removal_does_not_bring_the_value_back()
    {
        var prefix = CacheInstance.NewPrefix();
        using var a = Open(prefix, o => o.EnableBackplane = false);
        using var b = Open(prefix);

        await FillAroundAsync(a, () => b.Cache.RemoveAsync("k").AsTask());

        using var c = Open(prefix);
        Assert.False((await c.Cache.TryGetAsync<string>("k")).HasValue, "L2 holds the value computed before the removal");

        // A value computed after the removal is stored as usual.
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal("after", await c.Cache.GetOrCreateAsync("k", _ => ValueTask.FromResult("after")));
        await Eventually.TrueAsync(() => c.Internal.WritesBehindInFlight == 0, because: "C's write behind to end");
        using var d = Open(prefix);
        Assert.Equal("after", (await d.Cache.TryGetAsync<string>("k")).Value);
    }

    [Fact]
    public async Task Over_a_distributed_cache_a_fill_computed_before_another_instances_set_does_not_overwrite_it()
    {
        var shared = new MemoryDistributedCache(Options.Create(new MemoryDistributedCacheOptions()));
        CacheInstance OpenOverShared() => CacheInstance.Build(null, null, _clock, null, s => s.AddSingleton<IDistributedCache>(shared).AddScalableCaching().WithDistributedCache());
        using var a = OpenOverShared();
        using var b = OpenOverShared();

        await FillAroundAsync(a, () => b.Cache.SetAsync("k", "new").AsTask());

        using var c = OpenOverShared();
        Assert.Equal("new", (await c.Cache.TryGetAsync<string>("k")).Value);
    }

    // A's factory starts, the change runs on another instance while it is held, then A's factory ends and its write behind is awaited.
    private async Task FillAroundAsync(CacheInstance a, Func<Task> change)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var finish = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var running = a.Cache.GetOrCreateAsync("k", async ct =>
        {
            started.TrySetResult();
            await finish.Task.WaitAsync(TimeSpan.FromSeconds(30), ct);
            return "old";
        }).AsTask();
        await started.Task.WaitAsync(TimeSpan.FromSeconds(30));

        _clock.Advance(TimeSpan.FromSeconds(1));
        await change();
        finish.TrySetResult();

        Assert.Equal("old", await running.WaitAsync(TimeSpan.FromSeconds(30)));
        await Eventually.TrueAsync(() => a.Internal.WritesBehindInFlight == 0, because: "A's write behind to end");
    }

    private CacheInstance Open(string prefix, Action<ScalableCachingOptions>? configure = null)
        => CacheInstance.Build(redis.Connect(), configure, _clock, prefix);
}
