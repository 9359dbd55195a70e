namespace Scalable.Caching.Internal;

// The shared second level: Redis, or any IDistributedCache. Keys arrive without the cache's prefix.
internal interface IL2Store
{
    Task<byte[]?> GetAsync(string key, CancellationToken cancellationToken);

    Task SetAsync(string key, byte[] value, TimeSpan timeToLive, CancellationToken cancellationToken);

    Task RemoveAsync(string key, CancellationToken cancellationToken);
}
