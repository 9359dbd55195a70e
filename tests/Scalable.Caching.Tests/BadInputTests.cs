using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Scalable.Caching.Tests;

public sealed class BadInputTests
{
    [Fact]
    public async Task Null_empty_and_oversized_keys_are_rejected_naming_the_argument()
    {
        using var instance = CacheInstance.Local(o => o.MaximumKeyLength = 16);
        var cache = instance.Cache;

        Assert.Equal("key", Assert.Throws<ArgumentNullException>(() => cache.GetOrCreateAsync<int>(null!, _ => ValueTask.FromResult(1))).ParamName);
        Assert.Equal("key", Assert.Throws<ArgumentException>(() => cache.GetOrCreateAsync(string.Empty, _ => ValueTask.FromResult(1))).ParamName);
        var tooLong = Assert.Throws<ArgumentException>(() => cache.GetOrCreateAsync(new string('k', 17), _ => ValueTask.FromResult(1)));
        Assert.Equal("key", tooLong.ParamName);
        Assert.Contains("MaximumKeyLength", tooLong.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ArgumentException>(async () => await cache.SetAsync(string.Empty, 1));
        await Assert.ThrowsAsync<ArgumentException>(async () => await cache.RemoveAsync(string.Empty));
        Assert.Equal("tag", (await Assert.ThrowsAsync<ArgumentException>(async () => await cache.RemoveByTagAsync(string.Empty))).ParamName);
        Assert.Equal("factory", Assert.Throws<ArgumentNullException>(() => cache.GetOrCreateAsync<int>("k", (Func<CancellationToken, ValueTask<int>>)null!)).ParamName);
    }

    [Fact]
    public async Task Invalid_per_call_options_are_rejected_naming_the_setting()
    {
        using var instance = CacheInstance.Local();

        var error = await Assert.ThrowsAsync<ArgumentException>(async () =>
            await instance.Cache.GetOrCreateAsync("k", _ => ValueTask.FromResult(1), new CacheEntryOptions { Duration = TimeSpan.FromSeconds(-1) }));

        Assert.Contains("Duration", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_tag_longer_than_the_entry_format_allows_is_rejected_naming_the_tag_and_the_limit_before_the_factory_runs()
    {
        using var instance = CacheInstance.Local();
        var tag = "orders-" + new string('t', 70_000);
        var options = new CacheEntryOptions { Tags = ["ok", tag] };
        var runs = 0;

        var fromGet = await Assert.ThrowsAsync<ArgumentException>(async () =>
            await instance.Cache.GetOrCreateAsync("k", _ => { runs++; return ValueTask.FromResult(1); }, options));
        var fromSet = await Assert.ThrowsAsync<ArgumentException>(async () => await instance.Cache.SetAsync("k", 1, options));

        foreach (var error in new[] { fromGet, fromSet })
        {
            Assert.Equal("options", error.ParamName);
            Assert.Contains("orders-ttt", error.Message, StringComparison.Ordinal);
            Assert.Contains("65535", error.Message, StringComparison.Ordinal);
        }

        Assert.Equal(0, runs);
    }

    [Fact]
    public async Task An_oversized_value_fails_with_a_clear_error_and_is_not_cached()
    {
        using var instance = CacheInstance.Build(null, o => o.MaximumPayloadBytes = 100, null, null, s => s
            .AddSingleton<IDistributedCache>(new MemoryDistributedCache(Options.Create(new MemoryDistributedCacheOptions())))
            .AddScalableCaching()
            .WithDistributedCache());
        var runs = 0;

        var error = await Assert.ThrowsAsync<CachePayloadTooLargeException>(async () =>
            await instance.Cache.GetOrCreateAsync("big", _ => { runs++; return ValueTask.FromResult(new string('x', 500)); }));
        await Assert.ThrowsAsync<CachePayloadTooLargeException>(async () => await instance.Cache.SetAsync("big", new string('x', 500)));
        var small = await instance.Cache.GetOrCreateAsync("big", _ => { runs++; return ValueTask.FromResult("ok"); });

        Assert.Contains("MaximumPayloadBytes", error.Message, StringComparison.Ordinal);
        Assert.Equal("ok", small);
        Assert.Equal(2, runs);
    }
}
