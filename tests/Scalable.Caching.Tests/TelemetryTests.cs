using System.Collections.Concurrent;
using System.Diagnostics;

namespace Scalable.Caching.Tests;

public sealed class TelemetryTests
{
    [Fact]
    public async Task The_meter_counts_hits_misses_factory_runs_coalesced_waiters_and_stale_values()
    {
        var clock = new FakeTimeProvider();
        using var instance = CacheInstance.Local(time: clock);
        using var counts = new CacheCounters(instance);
        var options = new CacheEntryOptions { Duration = TimeSpan.FromMinutes(1), FailSafeMaxDuration = TimeSpan.FromHours(1), EarlyRefreshBeta = 0 };
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var first = instance.Cache.GetOrCreateAsync("k", async _ => { await gate.Task; return 1; }, options).AsTask();
        var second = instance.Cache.GetOrCreateAsync("k", _ => ValueTask.FromResult(2), options).AsTask();
        gate.SetResult();
        await Task.WhenAll(first, second);
        await instance.Cache.GetOrCreateAsync("k", _ => ValueTask.FromResult(3), options);
        clock.Advance(TimeSpan.FromMinutes(2));
        await instance.Cache.GetOrCreateAsync<int>("k", _ => throw new InvalidOperationException("down"), options);

        Assert.Equal(1, counts["scalable.cache.hits[l1]"]);
        Assert.Equal(2, counts["scalable.cache.misses"]);
        Assert.Equal(2, counts["scalable.cache.factory.runs"]);
        Assert.Equal(1, counts["scalable.cache.factory.errors"]);
        Assert.Equal(1, counts["scalable.cache.coalesced_waiters"]);
        Assert.Equal(1, counts["scalable.cache.stale_served"]);
    }

    [Fact]
    public async Task A_factory_run_is_traced_on_the_package_activity_source()
    {
        using var instance = CacheInstance.Local();
        var key = CacheInstance.NewKey();
        var traced = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Scalable.Caching",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = traced.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);

        await instance.Cache.GetOrCreateAsync(key, _ => ValueTask.FromResult(1));

        Assert.Contains(traced, a => a.OperationName == "cache.factory" && (string?)a.GetTagItem("cache.key") == key);
    }
}
