using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Scalable.Caching.Tests;

public sealed class DistributedCacheL2Tests
{
    [Fact]
    public async Task Any_IDistributedCache_works_as_the_shared_l2()
    {
        var shared = new MemoryDistributedCache(Options.Create(new MemoryDistributedCacheOptions()));
        using var a = CacheInstance.Build(null, null, null, null, s => s.AddSingleton<IDistributedCache>(shared).AddScalableCaching().WithDistributedCache());
        using var b = CacheInstance.Build(null, null, null, null, s => s.AddSingleton<IDistributedCache>(shared).AddScalableCaching().WithDistributedCache());

        await a.Cache.GetOrCreateAsync("k", _ => ValueTask.FromResult(new Order(7, "open")));
        var fromL2 = await b.Cache.GetOrCreateAsync("k", _ => ValueTask.FromResult(new Order(0, "b's factory")));
        await a.Cache.RemoveAsync("k");

        Assert.Equal(new Order(7, "open"), fromL2);
        Assert.Null(await shared.GetAsync("scalable:v:k"));
    }

    [Fact]
    public async Task An_entry_in_an_unknown_format_is_treated_as_a_miss()
    {
        var shared = new MemoryDistributedCache(Options.Create(new MemoryDistributedCacheOptions()));
        await shared.SetAsync("scalable:v:k", [9, 9, 9, 1, 2, 3]);
        using var a = CacheInstance.Build(null, null, null, null, s => s.AddSingleton<IDistributedCache>(shared).AddScalableCaching().WithDistributedCache());

        Assert.Equal("computed", await a.Cache.GetOrCreateAsync("k", _ => ValueTask.FromResult("computed")));
    }

    internal sealed record Order(int Id, string State);
}
