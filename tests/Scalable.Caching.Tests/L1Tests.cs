using System.Text;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Scalable.Caching.Tests;

public sealed class L1Tests
{
    [Fact]
    public async Task L1_memory_stays_within_its_size_limit_by_evicting_the_oldest_entries_and_keeps_taking_new_ones()
    {
        const long limit = 20_000;
        using var instance = CacheInstance.Local(o => o.L1SizeLimitBytes = limit);
        var payload = new string('x', 500);

        for (var i = 0; i < 200; i++)
        {
            await instance.Cache.SetAsync($"k{i}", payload);
        }

        // Each entry counts at least 1000 bytes (without an L2, 2 per character of its 500-character string). MemoryCache refuses an entry that does not fit and
        // compacts in the background, so a set made once it has caught up must be kept (there is no L2 to read
        // it back from): retried until then, it only ever fails if no room is ever made.
        await Eventually.TrueAsync(
            async () =>
            {
                await instance.Cache.SetAsync("late", payload);
                return (await instance.Cache.TryGetAsync<string>("late")).HasValue;
            },
            because: "a late entry to find room in L1");
        var count = instance.Internal.L1Count;
        Assert.InRange(count, 1, limit / 1000);
        Assert.False((await instance.Cache.TryGetAsync<string>("k0")).HasValue, "the oldest entry should have been evicted");
    }

    [Fact]
    public async Task Remove_by_tag_works_without_an_l2()
    {
        var clock = new FakeTimeProvider();
        using var instance = CacheInstance.Local(time: clock);
        var tagged = new CacheEntryOptions { Tags = ["a", "b"] };
        await instance.Cache.SetAsync("k", "v1", tagged);
        await instance.Cache.SetAsync("other", "kept", new CacheEntryOptions { Tags = ["c"] });
        clock.Advance(TimeSpan.FromMilliseconds(5));

        await instance.Cache.RemoveByTagAsync("b");
        clock.Advance(TimeSpan.FromMilliseconds(5));

        Assert.False((await instance.Cache.TryGetAsync<string>("k")).HasValue);
        Assert.Equal("kept", (await instance.Cache.TryGetAsync<string>("other")).Value);
        Assert.Equal("v2", await instance.Cache.GetOrCreateAsync("k", _ => ValueTask.FromResult("v2"), tagged));
        Assert.Equal("v2", (await instance.Cache.TryGetAsync<string>("k")).Value);
    }

    [Fact]
    public async Task A_tag_removal_still_holds_after_the_table_of_known_tags_overflows()
    {
        var clock = new FakeTimeProvider();
        using var instance = CacheInstance.Local(time: clock);
        await instance.Cache.SetAsync("k", "old", new CacheEntryOptions { Tags = ["t"] });
        clock.Advance(TimeSpan.FromMilliseconds(1));
        await instance.Cache.RemoveByTagAsync("t");

        for (var i = 0; i <= Internal.TagStamps.Limit; i++)
        {
            await instance.Cache.RemoveByTagAsync($"other-{i}");
        }

        Assert.False((await instance.Cache.TryGetAsync<string>("k")).HasValue);
    }

    [Fact]
    public async Task Registered_source_generated_json_metadata_is_used_for_l2_payloads()
    {
        var shared = new MemoryDistributedCache(Options.Create(new MemoryDistributedCacheOptions()));
        using var a = CacheInstance.Build(null, null, null, null, s => s
            .AddSingleton<IDistributedCache>(shared)
            .AddScalableCaching()
            .WithDistributedCache()
            .WithJsonTypeInfo(TestJsonContext.Default.Product));
        using var b = CacheInstance.Build(null, null, null, null, s => s
            .AddSingleton<IDistributedCache>(shared)
            .AddScalableCaching()
            .WithDistributedCache()
            .WithJsonTypeInfo(TestJsonContext.Default.Product));
        var product = new Product("p-1", 9.5m, new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.FromHours(2)));

        await a.Cache.GetOrCreateAsync("p", _ => ValueTask.FromResult(product));
        var fromL2 = await b.Cache.GetOrCreateAsync("p", _ => ValueTask.FromResult<Product>(null!));

        Assert.Equal(product, fromL2);
        Assert.Contains("\"PRICE\":9.5", Encoding.UTF8.GetString((await shared.GetAsync("scalable:v:p"))!), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_custom_serializer_replaces_the_default()
    {
        var serializer = new CountingSerializer();
        using var a = CacheInstance.Build(null, null, null, null, s => s
            .AddSingleton<IDistributedCache>(new MemoryDistributedCache(Options.Create(new MemoryDistributedCacheOptions())))
            .AddScalableCaching()
            .WithDistributedCache()
            .WithSerializer(serializer));

        await a.Cache.SetAsync("p", new Product("p-1", 1m, DateTimeOffset.UnixEpoch));

        Assert.Equal(1, serializer.Serialized);
    }

    [Fact]
    public async Task Without_an_l2_nothing_is_serialized()
    {
        var serializer = new CountingSerializer();
        using var a = CacheInstance.Build(null, null, null, null, s => s.AddScalableCaching().WithSerializer(serializer));

        await a.Cache.SetAsync("set", new Product("p-1", 1m, DateTimeOffset.UnixEpoch));
        var computed = await a.Cache.GetOrCreateAsync("computed", _ => ValueTask.FromResult(new Product("p-2", 2m, DateTimeOffset.UnixEpoch)));

        Assert.Equal("p-2", computed.Id);
        Assert.Equal("p-1", (await a.Cache.TryGetAsync<Product>("set")).Value.Id);
        Assert.Equal(0, serializer.Serialized);
    }

    private sealed class CountingSerializer : IScalableCacheSerializer
    {
        private readonly SystemTextJsonCacheSerializer _inner = new();

        public int Serialized { get; private set; }

        public void Serialize<T>(T value, System.Buffers.IBufferWriter<byte> destination)
        {
            Serialized++;
            _inner.Serialize(value, destination);
        }

        public T Deserialize<T>(ReadOnlySpan<byte> source) => _inner.Deserialize<T>(source);
    }
}

public sealed record Product(string Id, decimal Price, DateTimeOffset Updated);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.KebabCaseUpper)]
[JsonSerializable(typeof(Product))]
internal sealed partial class TestJsonContext : JsonSerializerContext;
