using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Scalable.Caching.Tests;

// Known tag-removal stamps are not trusted for ever: they are read again from L2 after the backplane
// subscription comes back (notices sent meanwhile are lost), and after TagStampMaxAge when there is no backplane.
public sealed class TagStampsTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    private static readonly CacheEntryOptions Tagged = new() { Tags = ["t"] };

    [Fact]
    public async Task A_tag_removal_missed_while_unsubscribed_is_seen_once_the_subscription_is_back()
    {
        var prefix = CacheInstance.NewPrefix();
        // A publishes nothing: its tag removal reaches L2 only, as a notice sent while B was unsubscribed would.
        using var a = CacheInstance.WithRedis(redis.Connect(), o => o.EnableBackplane = false, prefix);
        using var b = CacheInstance.WithRedis(redis.Connect(), prefix: prefix);
        await a.Cache.GetOrCreateAsync("k", _ => ValueTask.FromResult("v1"), Tagged);
        Assert.Equal("v1", await b.Cache.GetOrCreateAsync("k", _ => ValueTask.FromResult("b's factory"), Tagged));
        await a.Cache.RemoveByTagAsync("t");

        await DropSubscriptionsAsync(b);

        await Eventually.TrueAsync(
            async () => await b.Cache.GetOrCreateAsync("k", _ => ValueTask.FromResult("recomputed"), Tagged) == "recomputed",
            TimeSpan.FromSeconds(15),
            "B to re-read the tag's stamp after its subscription came back");
    }

    [Fact]
    public async Task Without_a_backplane_another_instances_tag_removal_is_seen_after_the_stamp_age_bound()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var prefix = CacheInstance.NewPrefix();
        using var a = CacheInstance.Build(redis.Connect(), o => o.EnableBackplane = false, time, prefix);
        using var b = CacheInstance.Build(redis.Connect(), o => o.EnableBackplane = false, time, prefix);

        await AssertRemovalSeenAfterBoundAsync(a, b, time);
    }

    [Fact]
    public async Task With_a_distributed_cache_another_instances_tag_removal_is_seen_after_the_stamp_age_bound()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var shared = new MemoryDistributedCache(Options.Create(new MemoryDistributedCacheOptions()));
        using var a = CacheInstance.Build(null, null, time, null, s => s.AddSingleton<IDistributedCache>(shared).AddScalableCaching().WithDistributedCache());
        using var b = CacheInstance.Build(null, null, time, null, s => s.AddSingleton<IDistributedCache>(shared).AddScalableCaching().WithDistributedCache());

        await AssertRemovalSeenAfterBoundAsync(a, b, time);
    }

    private static async Task AssertRemovalSeenAfterBoundAsync(CacheInstance a, CacheInstance b, FakeTimeProvider time)
    {
        await a.Cache.GetOrCreateAsync("k", _ => ValueTask.FromResult("v1"), Tagged);
        Assert.Equal("v1", await b.Cache.GetOrCreateAsync("k", _ => ValueTask.FromResult("b's factory"), Tagged));

        await a.Cache.RemoveByTagAsync("t");
        time.Advance(new ScalableCachingOptions().TagStampMaxAge + TimeSpan.FromMilliseconds(1));

        Assert.Equal("recomputed", await b.Cache.GetOrCreateAsync("k", _ => ValueTask.FromResult("recomputed"), Tagged));
    }

    // Kills every pub/sub client (B's subscription among them); StackExchange.Redis reconnects and resubscribes.
    private async Task DropSubscriptionsAsync(CacheInstance b)
    {
        var restored = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        b.Connection!.ConnectionRestored += (_, e) => restored.TrySetResult();
        using var admin = redis.Server.Connect("allowAdmin=true");
        await admin.GetServer(admin.GetEndPoints()[0]).ExecuteAsync("CLIENT", "KILL", "TYPE", "pubsub");
        await restored.Task.WaitAsync(TimeSpan.FromSeconds(30));
    }
}
