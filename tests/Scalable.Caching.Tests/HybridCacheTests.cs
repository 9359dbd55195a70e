using System.Buffers;
using System.Text;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection;

namespace Scalable.Caching.Tests;

// The HybridCache entry point: registration, serializers from DI, and the entry flags.
public sealed class HybridCacheTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    [Fact]
    public async Task AddScalableCaching_registers_a_HybridCache_over_the_same_cache()
    {
        using var cache = CacheInstance.Local();

        await cache.Hybrid.SetAsync("k", "through hybrid");

        Assert.Equal("through hybrid", (await cache.Cache.TryGetAsync<string>("k")).Value);
        Assert.Equal("through hybrid", await cache.Hybrid.GetOrCreateAsync("k", _ => ValueTask.FromResult("factory")));
    }

    [Fact]
    public async Task A_registered_IHybridCacheSerializer_writes_and_reads_the_l2_bytes()
    {
        var prefix = CacheInstance.NewPrefix();
        using var a = Build(prefix, s => s.AddSingleton<IHybridCacheSerializer<Widget>, WidgetSerializer>());
        using var b = Build(prefix, s => s.AddSingleton<IHybridCacheSerializer<Widget>, WidgetSerializer>());

        await a.Hybrid.SetAsync("k", new Widget("blue"));

        var raw = (byte[]?)await a.Connection!.GetDatabase().StringGetAsync(prefix + "v:k");
        Assert.EndsWith("widget:blue", Encoding.UTF8.GetString(raw!), StringComparison.Ordinal);
        Assert.Equal(new Widget("blue"), await b.Hybrid.GetOrCreateAsync("k", _ => ValueTask.FromResult(new Widget("b's factory"))));
    }

    [Fact]
    public async Task An_IHybridCacheSerializerFactory_plugs_in_for_the_types_it_accepts()
    {
        var prefix = CacheInstance.NewPrefix();
        using var a = Build(prefix, s => s.AddSingleton<IHybridCacheSerializerFactory, WidgetSerializerFactory>());

        await a.Hybrid.SetAsync("w", new Widget("red"));
        await a.Hybrid.SetAsync("s", "plain");

        var db = a.Connection!.GetDatabase();
        Assert.EndsWith("widget:red", Encoding.UTF8.GetString((byte[])(await db.StringGetAsync(prefix + "v:w"))!), StringComparison.Ordinal);
        Assert.EndsWith("\"plain\"", Encoding.UTF8.GetString((byte[])(await db.StringGetAsync(prefix + "v:s"))!), StringComparison.Ordinal);
    }

    [Fact]
    public async Task DisableLocalCacheRead_reads_l2_and_DisableDistributedCache_keeps_the_value_in_this_process()
    {
        var (a, b) = await CacheFleet.L1BehindL2Async(redis.Connect);
        using var disposeA = a;
        using var disposeB = b;

        Assert.Equal("v2", await a.Hybrid.GetOrCreateAsync("k", _ => ValueTask.FromResult("factory"), new HybridCacheEntryOptions { Flags = HybridCacheEntryFlags.DisableLocalCacheRead }));

        await a.Hybrid.SetAsync("local", "only here", new HybridCacheEntryOptions { Flags = HybridCacheEntryFlags.DisableDistributedCache });
        Assert.Equal("only here", await a.Hybrid.GetOrCreateAsync("local", _ => ValueTask.FromResult("factory")));
        Assert.False((await b.Cache.TryGetAsync<string>("local")).HasValue);
    }

    [Fact]
    public async Task DisableUnderlyingData_returns_default_on_a_miss_without_calling_the_factory()
    {
        using var cache = CacheInstance.Local();
        var options = new HybridCacheEntryOptions { Flags = HybridCacheEntryFlags.DisableUnderlyingData };

        var missed = await cache.Hybrid.GetOrCreateAsync<string?>("k", _ => throw new InvalidOperationException("must not run"), options);
        await cache.Hybrid.SetAsync("k", "v1");

        Assert.Null(missed);
        Assert.Equal("v1", await cache.Hybrid.GetOrCreateAsync<string?>("k", _ => throw new InvalidOperationException("must not run"), options));
    }

    private CacheInstance Build(string prefix, Action<IServiceCollection> more)
        => CacheInstance.Build(redis.Connect(), null, null, prefix, more);

    internal sealed record Widget(string Color);

    private sealed class WidgetSerializer : IHybridCacheSerializer<Widget>
    {
        public Widget Deserialize(ReadOnlySequence<byte> source) => new(Encoding.UTF8.GetString(source.ToArray())["widget:".Length..]);

        public void Serialize(Widget value, IBufferWriter<byte> target) => target.Write(Encoding.UTF8.GetBytes("widget:" + value.Color));
    }

    private sealed class WidgetSerializerFactory : IHybridCacheSerializerFactory
    {
        public bool TryCreateSerializer<T>([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out IHybridCacheSerializer<T>? serializer)
        {
            serializer = typeof(T) == typeof(Widget) ? (IHybridCacheSerializer<T>)(object)new WidgetSerializer() : null;
            return serializer is not null;
        }
    }
}
