namespace Scalable.Caching.Tests;

public sealed class FactoryTimeoutTests
{
    [Fact]
    public async Task A_soft_timeout_serves_stale_data_while_the_factory_finishes_in_the_background_and_updates_the_cache()
    {
        var clock = new FakeTimeProvider();
        using var instance = CacheInstance.Local(time: clock);
        var options = WithStaleValue(soft: TimeSpan.FromMilliseconds(100));
        await instance.Cache.GetOrCreateAsync("k", _ => ValueTask.FromResult("v1"), options);
        clock.Advance(TimeSpan.FromMilliseconds(300));
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var call = instance.Cache.GetOrCreateEntryAsync("k", async (_, ct) =>
        {
            await gate.Task.WaitAsync(ct);
            return "v2";
        }, options).AsTask();
        Assert.False(call.IsCompleted);
        clock.Advance(TimeSpan.FromMilliseconds(100));
        var slow = await call.WaitAsync(TimeSpan.FromSeconds(30));
        gate.SetResult();

        Assert.Equal(new CacheResult<string>("v1", true, true), slow);
        await Eventually.TrueAsync(async () => (await instance.Cache.TryGetAsync<string>("k")).Value == "v2", because: "the background factory to store its value");
    }

    [Fact]
    public async Task A_hard_timeout_cancels_the_factory_and_fails_when_nothing_stale_exists()
    {
        var clock = new FakeTimeProvider();
        using var instance = CacheInstance.Local(time: clock);
        var factoryCancelled = 0;

        var call = instance.Cache.GetOrCreateAsync<string>("k", async ct =>
        {
            try
            {
                await Task.Delay(Timeout.Infinite, ct);
            }
            catch (OperationCanceledException)
            {
                Interlocked.Exchange(ref factoryCancelled, 1);
                throw;
            }

            return "never";
        }, new CacheEntryOptions { FactoryHardTimeout = TimeSpan.FromMilliseconds(200) }).AsTask();
        clock.Advance(TimeSpan.FromMilliseconds(199));
        Assert.False(call.IsCompleted);
        clock.Advance(TimeSpan.FromMilliseconds(1));
        var error = await Assert.ThrowsAsync<TimeoutException>(() => call.WaitAsync(TimeSpan.FromSeconds(30)));

        await Eventually.TrueAsync(() => Volatile.Read(ref factoryCancelled) == 1, because: "the factory to see its token cancelled");
        Assert.Contains("FactoryHardTimeout", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_hard_timeout_with_a_stale_value_and_fail_safe_serves_the_stale_value()
    {
        var clock = new FakeTimeProvider();
        using var instance = CacheInstance.Local(time: clock);
        var options = WithStaleValue(hard: TimeSpan.FromMilliseconds(200));
        await instance.Cache.GetOrCreateAsync("k", _ => ValueTask.FromResult("v1"), options);
        clock.Advance(TimeSpan.FromMilliseconds(300));

        var call = instance.Cache.GetOrCreateEntryAsync("k", async (_, ct) =>
        {
            await Task.Delay(Timeout.Infinite, ct);
            return "never";
        }, options).AsTask();
        clock.Advance(TimeSpan.FromMilliseconds(200));
        var result = await call.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(new CacheResult<string>("v1", true, true), result);
    }

    [Fact]
    public async Task A_factory_that_ignores_its_token_does_not_hold_callers_past_the_hard_timeout_and_its_late_value_is_dropped()
    {
        var clock = new FakeTimeProvider();
        using var instance = CacheInstance.Local(time: clock);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var finished = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var options = new CacheEntryOptions { FactoryHardTimeout = TimeSpan.FromMilliseconds(200) };

        var call = instance.Cache.GetOrCreateAsync<string>("k", async _ =>
        {
            await gate.Task;
            finished.SetResult();
            return "late";
        }, options).AsTask();
        clock.Advance(TimeSpan.FromMilliseconds(200));
        var error = await Assert.ThrowsAsync<TimeoutException>(() => call.WaitAsync(TimeSpan.FromSeconds(30)));
        var next = await instance.Cache.GetOrCreateAsync("k", _ => ValueTask.FromResult("fresh"), options).AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        gate.SetResult();

        Assert.Contains("FactoryHardTimeout", error.Message, StringComparison.Ordinal);
        Assert.Equal("fresh", next);
        await finished.Task.WaitAsync(TimeSpan.FromSeconds(30));
        // The cache logs (event 11) once the given-up run has completed, so from then on a late store would be visible.
        await Eventually.TrueAsync(
            () => instance.Log.Text.Contains("11 Factory for 'k' finished after it was given up on", StringComparison.Ordinal),
            because: "the cache to observe the abandoned factory's end");
        Assert.Equal("fresh", (await instance.Cache.TryGetAsync<string>("k")).Value);
    }

    [Fact]
    public async Task A_factory_that_ignores_its_token_gets_callers_the_stale_value_at_the_hard_timeout()
    {
        var clock = new FakeTimeProvider();
        using var instance = CacheInstance.Local(time: clock);
        var options = WithStaleValue(hard: TimeSpan.FromMilliseconds(200));
        await instance.Cache.GetOrCreateAsync("k", _ => ValueTask.FromResult("v1"), options);
        clock.Advance(TimeSpan.FromMilliseconds(300));
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var call = instance.Cache.GetOrCreateEntryAsync("k", async (_, _) =>
        {
            await gate.Task;
            return "late";
        }, options).AsTask();
        clock.Advance(TimeSpan.FromMilliseconds(200));
        var result = await call.WaitAsync(TimeSpan.FromSeconds(30));
        gate.SetResult();

        Assert.Equal(new CacheResult<string>("v1", true, true), result);
    }

    // Entries that expire fast but stay available to fail-safe, so a later call has a stale value.
    private static CacheEntryOptions WithStaleValue(TimeSpan? soft = null, TimeSpan? hard = null) => new()
    {
        Duration = TimeSpan.FromMilliseconds(100),
        FailSafeMaxDuration = TimeSpan.FromMinutes(10),
        EarlyRefreshBeta = 0,
        FactorySoftTimeout = soft ?? Timeout.InfiniteTimeSpan,
        FactoryHardTimeout = hard ?? Timeout.InfiniteTimeSpan,
    };
}
