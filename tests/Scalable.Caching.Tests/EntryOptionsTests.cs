namespace Scalable.Caching.Tests;

public sealed class EntryOptionsTests
{
    [Fact]
    public async Task A_not_found_result_is_cached_for_the_given_duration_without_calling_the_factory_again()
    {
        var clock = new FakeTimeProvider();
        using var instance = CacheInstance.Local(time: clock);
        var runs = 0;
        Func<CacheFactoryContext, CancellationToken, ValueTask<string?>> lookup = (context, _) =>
        {
            runs++;
            context.NotFound(TimeSpan.FromSeconds(10));
            return ValueTask.FromResult<string?>(null);
        };

        var first = await instance.Cache.GetOrCreateEntryAsync("user:404", lookup);
        var second = await instance.Cache.GetOrCreateEntryAsync("user:404", lookup);
        clock.Advance(TimeSpan.FromSeconds(11));
        await instance.Cache.GetOrCreateEntryAsync("user:404", lookup);

        Assert.False(first.HasValue);
        Assert.False(second.HasValue);
        Assert.Equal(2, runs);
    }

    [Fact]
    public async Task A_do_not_cache_result_is_returned_but_never_stored()
    {
        using var instance = CacheInstance.Local();
        var runs = 0;
        Func<CacheFactoryContext, CancellationToken, ValueTask<int>> factory = (context, _) =>
        {
            context.DoNotCache();
            return ValueTask.FromResult(++runs);
        };

        Assert.Equal(1, await instance.Cache.GetOrCreateAsync("k", factory));
        Assert.Equal(2, await instance.Cache.GetOrCreateAsync("k", factory));
        Assert.False((await instance.Cache.TryGetAsync<int>("k")).HasValue);
    }

    [Fact]
    public async Task The_factory_can_shorten_the_duration_of_its_result()
    {
        var clock = new FakeTimeProvider();
        using var instance = CacheInstance.Local(time: clock);
        var runs = 0;
        Func<CacheFactoryContext, CancellationToken, ValueTask<int>> factory = (context, _) =>
        {
            context.Duration = TimeSpan.FromSeconds(1);
            return ValueTask.FromResult(++runs);
        };

        await instance.Cache.GetOrCreateAsync("k", factory);
        clock.Advance(TimeSpan.FromSeconds(2));

        Assert.Equal(2, await instance.Cache.GetOrCreateAsync("k", factory));
    }

    [Fact]
    public async Task Jitter_spreads_the_expiry_of_entries_written_together()
    {
        var clock = new FakeTimeProvider();
        using var instance = CacheInstance.Local(time: clock);
        var options = new CacheEntryOptions { Duration = TimeSpan.FromMinutes(1), JitterMaxDuration = TimeSpan.FromMinutes(1), EarlyRefreshBeta = 0 };
        for (var i = 0; i < 100; i++)
        {
            await instance.Cache.SetAsync($"k{i}", i, options);
        }

        clock.Advance(TimeSpan.FromSeconds(90));
        var stillFresh = 0;
        for (var i = 0; i < 100; i++)
        {
            stillFresh += (await instance.Cache.TryGetAsync<int>($"k{i}")).HasValue ? 1 : 0;
        }

        Assert.InRange(stillFresh, 1, 99);
    }
}
