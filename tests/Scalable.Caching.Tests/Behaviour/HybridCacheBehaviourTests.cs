namespace Scalable.Caching.Tests.Behaviour;

// The shared behaviour through the HybridCache that AddScalableCaching registers.
public sealed class HybridCacheBehaviourTests(RedisFixture redis) : CacheBehaviourTests(redis), IClassFixture<RedisFixture>
{
    private protected override ValueTask<string> GetOrCreateAsync(CacheInstance instance, string key, Func<CancellationToken, ValueTask<string>> factory, string[]? tags = null)
        => instance.Hybrid.GetOrCreateAsync(key, factory, tags: tags);

    private protected override ValueTask SetAsync(CacheInstance instance, string key, string value) => instance.Hybrid.SetAsync(key, value);

    private protected override ValueTask RemoveAsync(CacheInstance instance, string key) => instance.Hybrid.RemoveAsync(key);

    private protected override ValueTask RemoveByTagAsync(CacheInstance instance, string tag) => instance.Hybrid.RemoveByTagAsync(tag);
}
