using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Scalable.Caching.Tests;

// Several caches in one service collection, each with its own options, L2 and key prefix, resolved by name.
public sealed class NamedCachesTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    [Fact]
    public async Task Named_caches_are_separate_caches_with_their_own_options_and_redis_keys()
    {
        using var connection = redis.Connect();
        var services = new ServiceCollection();
        services.AddScalableCaching().WithRedis(_ => connection);
        services.AddScalableCaching("short", o => o.DefaultEntryOptions = new() { Duration = TimeSpan.FromSeconds(30) }).WithRedis(_ => connection);
        services.AddScalableCaching("local", o => o.MaximumKeyLength = 8);
        using var provider = services.BuildServiceProvider();
        var main = provider.GetRequiredService<IScalableCache>();
        var shortLived = provider.GetRequiredKeyedService<IScalableCache>("short");
        var local = provider.GetRequiredKeyedService<IScalableCache>("local");

        await main.SetAsync("k", "main");
        await shortLived.SetAsync("k", "short");
        await local.SetAsync("k", "local");

        Assert.Equal(["main", "short", "local"], new[] { (await main.TryGetAsync<string>("k")).Value, (await shortLived.TryGetAsync<string>("k")).Value, (await local.TryGetAsync<string>("k")).Value });
        await provider.GetRequiredKeyedService<HybridCache>("short").SetAsync("h", "through hybrid");
        Assert.Equal("through hybrid", (await shortLived.TryGetAsync<string>("h")).Value);
        Assert.False((await main.TryGetAsync<string>("h")).HasValue);
        Assert.True(await connection.GetDatabase().KeyExistsAsync("scalable:short:v:k"));
        await Assert.ThrowsAsync<ArgumentException>(async () => await local.TryGetAsync<string>("too-long-key"));
    }

    [Fact]
    public void An_invalid_option_of_a_named_cache_fails_naming_the_setting()
    {
        var services = new ServiceCollection();
        services.AddScalableCaching("broken", o => o.TagStampMaxAge = TimeSpan.Zero);
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredKeyedService<IScalableCache>("broken"));

        Assert.Contains(nameof(ScalableCachingOptions.TagStampMaxAge), error.Message, StringComparison.Ordinal);
    }
}
