namespace Scalable.Caching.Tests.Behaviour;

// What a user relies on, whichever entry point the code is written against: IScalableCache or HybridCache.
// Each subclass runs every test through one entry point, on instances sharing one Redis.
public abstract class CacheBehaviourTests(RedisFixture redis)
{
    private static readonly string[] Tag = ["customer:7"];

    private protected abstract ValueTask<string> GetOrCreateAsync(CacheInstance instance, string key, Func<CancellationToken, ValueTask<string>> factory, string[]? tags = null);

    private protected abstract ValueTask SetAsync(CacheInstance instance, string key, string value);

    private protected abstract ValueTask RemoveAsync(CacheInstance instance, string key);

    private protected abstract ValueTask RemoveByTagAsync(CacheInstance instance, string tag);

    [Fact]
    public async Task Concurrent_callers_on_one_instance_share_one_factory_run()
    {
        using var fleet = new CacheFleet(redis.Connect, 1);
        var factory = new CountingFactory("v1");

        var callers = Enumerable.Range(0, 100).Select(_ => GetOrCreateAsync(fleet[0], "k", factory.RunAsync).AsTask()).ToArray();
        factory.Release();

        Assert.All(await Task.WhenAll(callers), v => Assert.Equal("v1", v));
        Assert.Equal(1, factory.Runs);
    }

    [Fact]
    public async Task A_stampede_across_instances_runs_the_factory_once()
    {
        using var fleet = new CacheFleet(redis.Connect, 3);
        var factory = new CountingFactory("v1");

        var callers = Enumerable.Range(0, 60).Select(i => GetOrCreateAsync(fleet[i % 3], "k", factory.RunAsync).AsTask()).ToArray();
        await factory.FirstRun;
        factory.Release();

        Assert.All(await Task.WhenAll(callers).WaitAsync(TimeSpan.FromSeconds(60)), v => Assert.Equal("v1", v));
        Assert.Equal(1, factory.Runs);
    }

    [Fact]
    public async Task A_value_computed_on_one_instance_is_served_by_another_without_its_factory()
    {
        using var fleet = new CacheFleet(redis.Connect, 2);
        await GetOrCreateAsync(fleet[0], "k", _ => ValueTask.FromResult("v1"));

        Assert.Equal("v1", await GetOrCreateAsync(fleet[1], "k", _ => ValueTask.FromResult("b's factory")));
    }

    [Fact]
    public async Task A_set_on_one_instance_is_served_by_the_others()
    {
        using var fleet = new CacheFleet(redis.Connect, 2);
        await GetOrCreateAsync(fleet[0], "k", _ => ValueTask.FromResult("v1"));
        Assert.Equal("v1", await GetOrCreateAsync(fleet[1], "k", _ => ValueTask.FromResult("b's factory")));

        await SetAsync(fleet[0], "k", "v2");

        await Eventually.TrueAsync(async () => await GetOrCreateAsync(fleet[1], "k", _ => ValueTask.FromResult("b's factory")) == "v2", because: "B to serve A's new value");
    }

    [Fact]
    public async Task A_removal_on_one_instance_evicts_the_key_everywhere()
    {
        using var fleet = new CacheFleet(redis.Connect, 2);
        await GetOrCreateAsync(fleet[0], "k", _ => ValueTask.FromResult("v1"));
        Assert.Equal("v1", await GetOrCreateAsync(fleet[1], "k", _ => ValueTask.FromResult("b's factory")));

        await RemoveAsync(fleet[0], "k");

        Assert.Equal("a's factory", await GetOrCreateAsync(fleet[0], "k", _ => ValueTask.FromResult("a's factory")));
        await Eventually.TrueAsync(async () => await GetOrCreateAsync(fleet[1], "k", _ => ValueTask.FromResult("b's factory")) != "v1", because: "B to drop the removed value");
    }

    [Fact]
    public async Task A_tag_removal_invalidates_the_tagged_entries_everywhere_and_leaves_the_others()
    {
        using var fleet = new CacheFleet(redis.Connect, 2);
        await GetOrCreateAsync(fleet[0], "tagged", _ => ValueTask.FromResult("v1"), Tag);
        await GetOrCreateAsync(fleet[0], "untagged", _ => ValueTask.FromResult("keep"));
        Assert.Equal("v1", await GetOrCreateAsync(fleet[1], "tagged", _ => ValueTask.FromResult("b's factory"), Tag));

        await RemoveByTagAsync(fleet[0], Tag[0]);

        Assert.Equal("recomputed", await GetOrCreateAsync(fleet[0], "tagged", _ => ValueTask.FromResult("recomputed"), Tag));
        await Eventually.TrueAsync(async () => await GetOrCreateAsync(fleet[1], "tagged", _ => ValueTask.FromResult("recomputed by b"), Tag) != "v1", because: "B to see the tag removal");
        Assert.Equal("keep", await GetOrCreateAsync(fleet[1], "untagged", _ => ValueTask.FromResult("lost")));
    }

    [Fact]
    public async Task A_failing_factory_throws_to_the_caller_and_caches_nothing()
    {
        using var fleet = new CacheFleet(redis.Connect, 1);

        await Assert.ThrowsAsync<InvalidOperationException>(async () => await GetOrCreateAsync(fleet[0], "k", _ => throw new InvalidOperationException("source down")));

        Assert.Equal("v1", await GetOrCreateAsync(fleet[0], "k", _ => ValueTask.FromResult("v1")));
    }

    private sealed class CountingFactory(string value)
    {
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _first = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _runs;

        public int Runs => Volatile.Read(ref _runs);

        public Task FirstRun => _first.Task.WaitAsync(TimeSpan.FromSeconds(30));

        public void Release() => _release.TrySetResult();

        public async ValueTask<string> RunAsync(CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _runs);
            _first.TrySetResult();
            await _release.Task.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
            return value;
        }
    }
}
