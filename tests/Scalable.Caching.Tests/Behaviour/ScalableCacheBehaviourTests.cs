namespace Scalable.Caching.Tests.Behaviour;

// The shared behaviour through IScalableCache.
public sealed class ScalableCacheBehaviourTests(RedisFixture redis) : CacheBehaviourTests(redis), IClassFixture<RedisFixture>
{
    private protected override ValueTask<string> GetOrCreateAsync(CacheInstance instance, string key, Func<CancellationToken, ValueTask<string>> factory, string[]? tags = null)
        => instance.Cache.GetOrCreateAsync(key, factory, tags is null ? null : new CacheEntryOptions { Tags = tags });

    private protected override ValueTask SetAsync(CacheInstance instance, string key, string value) => instance.Cache.SetAsync(key, value);

    private protected override ValueTask RemoveAsync(CacheInstance instance, string key) => instance.Cache.RemoveAsync(key);

    private protected override ValueTask RemoveByTagAsync(CacheInstance instance, string tag) => instance.Cache.RemoveByTagAsync(tag);
}
