namespace Scalable.Caching.Tests;

public sealed class FailSafeTests
{
    private static readonly CacheEntryOptions FailSafe = new()
    {
        Duration = TimeSpan.FromMinutes(1),
        FailSafeMaxDuration = TimeSpan.FromHours(1),
        FailSafeThrottleDuration = TimeSpan.FromSeconds(30),
        EarlyRefreshBeta = 0,
    };

    [Fact]
    public async Task A_failing_factory_serves_the_stale_value_and_is_not_called_again_during_the_throttle()
    {
        var clock = new FakeTimeProvider();
        using var instance = CacheInstance.Local(time: clock);
        var cache = instance.Cache;
        var failingRuns = 0;
        Func<CacheFactoryContext, CancellationToken, ValueTask<string>> failing = (_, _) =>
        {
            failingRuns++;
            throw new InvalidOperationException("source down");
        };
        await cache.GetOrCreateAsync("k", _ => ValueTask.FromResult("v1"), FailSafe);
        clock.Advance(TimeSpan.FromMinutes(2));

        var stale = await cache.GetOrCreateEntryAsync("k", failing, FailSafe);
        clock.Advance(TimeSpan.FromSeconds(10));
        var throttled = await cache.GetOrCreateEntryAsync("k", failing, FailSafe);

        Assert.Equal(new CacheResult<string>("v1", true, true), stale);
        Assert.Equal(new CacheResult<string>("v1", true, true), throttled);
        Assert.Equal(1, failingRuns);

        clock.Advance(TimeSpan.FromSeconds(25));
        var recovered = await cache.GetOrCreateEntryAsync("k", (_, _) => ValueTask.FromResult("v2"), FailSafe);
        Assert.Equal(new CacheResult<string>("v2", true, false), recovered);
    }

    [Fact]
    public async Task Past_the_fail_safe_maximum_age_the_factory_error_reaches_the_caller()
    {
        var clock = new FakeTimeProvider();
        using var instance = CacheInstance.Local(time: clock);
        await instance.Cache.GetOrCreateAsync("k", _ => ValueTask.FromResult("v1"), FailSafe);
        clock.Advance(TimeSpan.FromHours(2));

        await Assert.ThrowsAsync<InvalidOperationException>(async () =>
            await instance.Cache.GetOrCreateAsync<string>("k", _ => throw new InvalidOperationException("source down"), FailSafe));
    }

    [Fact]
    public async Task Without_fail_safe_the_factory_error_reaches_the_caller_even_with_a_stale_value()
    {
        var clock = new FakeTimeProvider();
        using var instance = CacheInstance.Local(time: clock);
        var options = new CacheEntryOptions { Duration = TimeSpan.FromMinutes(1), EarlyRefreshBeta = 0 };
        await instance.Cache.GetOrCreateAsync("k", _ => ValueTask.FromResult("v1"), options);
        clock.Advance(TimeSpan.FromMinutes(2));

        await Assert.ThrowsAsync<InvalidOperationException>(async () =>
            await instance.Cache.GetOrCreateAsync<string>("k", _ => throw new InvalidOperationException("source down"), options));
    }
}
