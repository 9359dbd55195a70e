using System.Reflection;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Scalable.Caching.Tests;

// Entry options are shared: ScalableCachingOptions.DefaultEntryOptions serves every call that passes none, and callers
// keep theirs in static fields. Like HybridCacheEntryOptions, they cannot be changed once made.
public sealed class CacheEntryOptionsTests
{
    [Fact]
    public void Every_setting_can_be_given_only_when_the_options_are_made()
    {
        var settable = typeof(CacheEntryOptions).GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.SetMethod is { IsPublic: true } setter && !setter.ReturnParameter.GetRequiredCustomModifiers().Contains(typeof(IsExternalInit)))
            .Select(p => p.Name);

        Assert.Empty(settable);
    }

    [Fact]
    public void Tags_are_copied_so_changing_the_given_list_changes_nothing()
    {
        var tags = new List<string> { "a" };
        var options = new CacheEntryOptions { Tags = tags };

        tags.Add("b");

        Assert.Equal(["a"], options.Tags);
        Assert.False(options.Tags is ICollection<string> { IsReadOnly: false }, "the tags should be read-only");
    }

    [Fact]
    public async Task A_cache_keeps_the_default_entry_options_it_started_with()
    {
        var clock = new FakeTimeProvider();
        var services = new ServiceCollection().AddSingleton<TimeProvider>(clock);
        services.AddScalableCaching(o => o.DefaultEntryOptions = new() { Duration = TimeSpan.FromMinutes(5) });
        using var provider = services.BuildServiceProvider();
        var cache = provider.GetRequiredService<IScalableCache>();

        provider.GetRequiredService<IOptions<ScalableCachingOptions>>().Value.DefaultEntryOptions = new() { Duration = TimeSpan.FromSeconds(1) };
        await cache.SetAsync("k", "v");
        clock.Advance(TimeSpan.FromMinutes(1));

        Assert.Equal("v", (await cache.TryGetAsync<string>("k")).Value);
    }
}
