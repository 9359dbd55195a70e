using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;

namespace Scalable.Caching.Tests;

// A value read or computed before a set or a removal (on this instance or another) must not be stored after it.
public sealed class ReadThenStoreTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    [Fact]
    public async Task A_computation_started_before_a_removal_on_the_same_instance_is_not_stored()
    {
        using var cache = CacheInstance.Local();
        var slow = new SlowFactory("old");
        var running = cache.Cache.GetOrCreateAsync("k", slow.RunAsync).AsTask();
        await slow.Started;

        await cache.Cache.RemoveAsync("k");
        slow.Finish();

        Assert.Equal("old", await running);
        Assert.Equal("fresh", await cache.Cache.GetOrCreateAsync("k", _ => ValueTask.FromResult("fresh")));
    }

    [Fact]
    public async Task A_caller_arriving_after_a_removal_does_not_join_the_computation_started_before_it()
    {
        using var cache = CacheInstance.Local();
        var slow = new SlowFactory("old");
        var running = cache.Cache.GetOrCreateAsync("k", slow.RunAsync).AsTask();
        await slow.Started;

        await cache.Cache.RemoveAsync("k");
        var after = cache.Cache.GetOrCreateAsync("k", _ => ValueTask.FromResult("fresh")).AsTask();
        slow.Finish();

        Assert.Equal("fresh", await after);
        Assert.Equal("old", await running);
    }

    [Fact]
    public async Task A_computation_started_before_a_set_on_the_same_instance_does_not_overwrite_it_in_l1_or_l2()
    {
        var prefix = CacheInstance.NewPrefix();
        using var a = CacheInstance.WithRedis(redis.Connect(), prefix: prefix);
        var slow = new SlowFactory("old");
        var running = a.Cache.GetOrCreateAsync("k", slow.RunAsync).AsTask();
        await slow.Started;

        await a.Cache.SetAsync("k", "new");
        slow.Finish();
        await running;

        Assert.Equal("new", await a.Cache.GetOrCreateAsync("k", _ => ValueTask.FromResult("recomputed")));
        using var late = CacheInstance.WithRedis(redis.Connect(), prefix: prefix);
        Assert.Equal("new", (await late.Cache.TryGetAsync<string>("k")).Value);
    }

    [Fact]
    public async Task A_computation_started_before_another_instances_set_does_not_overwrite_it()
    {
        using var fleet = new CacheFleet(redis.Connect, 3);
        var (a, b, c) = (fleet[0], fleet[1], fleet[2]);
        var slow = new SlowFactory("old");
        var running = a.Cache.GetOrCreateAsync("k", slow.RunAsync).AsTask();
        await slow.Started;

        await b.Cache.SetAsync("k", "new");
        await WaitUntilHeardAsync(a, b);
        slow.Finish();
        await running;

        Assert.Equal("new", await a.Cache.GetOrCreateAsync("k", _ => ValueTask.FromResult("recomputed")));
        Assert.Equal("new", (await c.Cache.TryGetAsync<string>("k")).Value);
    }

    [Fact]
    public async Task A_computation_started_before_another_instances_removal_is_not_stored()
    {
        using var fleet = new CacheFleet(redis.Connect, 3);
        var (a, b, c) = (fleet[0], fleet[1], fleet[2]);
        var slow = new SlowFactory("old");
        var running = a.Cache.GetOrCreateAsync("k", slow.RunAsync).AsTask();
        await slow.Started;

        await b.Cache.RemoveAsync("k");
        await WaitUntilHeardAsync(a, b);
        slow.Finish();
        await running;

        Assert.False((await c.Cache.TryGetAsync<string>("k")).HasValue);
        Assert.Equal("fresh", await a.Cache.GetOrCreateAsync("k", _ => ValueTask.FromResult("fresh")));
    }

    [Fact]
    public async Task A_value_read_from_l2_before_a_set_on_the_same_instance_is_not_stored_after_it()
    {
        var l2 = new HoldingDistributedCache();
        using var a = CacheInstance.Build(null, null, null, null, s => s.AddSingleton<IDistributedCache>(l2).AddScalableCaching().WithDistributedCache());
        await a.Cache.SetAsync("k", "v1");
        await a.Cache.RemoveAsync("k", CacheEntryFlags.SkipL2Write);
        l2.HoldReads = true;
        var read = a.Cache.TryGetAsync<string>("k").AsTask();
        var held = await l2.NextHeldAsync();

        l2.HoldReads = false;
        await a.Cache.SetAsync("k", "v2");
        held.SetResult();
        await read;

        Assert.Equal("v2", await a.Cache.GetOrCreateAsync("k", _ => ValueTask.FromResult("recomputed")));
    }

    // Redis delivers B's notices in order: once A has heard a later one, it has heard the one before.
    private static async Task WaitUntilHeardAsync(CacheInstance a, CacheInstance b)
    {
        var marker = CacheInstance.NewKey();
        await a.Cache.SetAsync(marker, "old");
        await b.Cache.SetAsync(marker, "new");
        await Eventually.TrueAsync(async () => (await a.Cache.TryGetAsync<string>(marker)).Value == "new", because: "A to hear B's notices");
    }

    private sealed class SlowFactory(string value)
    {
        private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _finish = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Started => _started.Task;

        public void Finish() => _finish.TrySetResult();

        public async ValueTask<string> RunAsync(CancellationToken cancellationToken)
        {
            _started.TrySetResult();
            await _finish.Task.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
            return value;
        }
    }
}
