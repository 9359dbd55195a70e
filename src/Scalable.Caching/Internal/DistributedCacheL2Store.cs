using Microsoft.Extensions.Caching.Distributed;

namespace Scalable.Caching.Internal;

internal sealed class DistributedCacheL2Store(IDistributedCache cache, string prefix) : IL2Store
{
    public Task<byte[]?> GetAsync(string key, CancellationToken cancellationToken)
        => cache.GetAsync(prefix + key, cancellationToken);

    public Task SetAsync(string key, byte[] value, TimeSpan timeToLive, CancellationToken cancellationToken)
        => cache.SetAsync(prefix + key, value, new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = timeToLive }, cancellationToken);

    public Task RemoveAsync(string key, CancellationToken cancellationToken)
        => cache.RemoveAsync(prefix + key, cancellationToken);
}
