using Microsoft.Extensions.Caching.Distributed;
using StackExchange.Redis;

namespace Scalable.Caching.Internal;

// IDistributedCache has no conditional write: a factory's value is compared with what the key holds and written after,
// in two steps, so a newer entry that lands between them can still be replaced (best effort). Removals delete.
internal sealed class DistributedCacheL2Store(IDistributedCache cache, string prefix) : IL2Store
{
    public async Task<Lease<byte>?> GetAsync(string key, CancellationToken cancellationToken)
    {
        var bytes = await cache.GetAsync(prefix + key, cancellationToken).ConfigureAwait(false);
        if (bytes is null)
        {
            return null;
        }

        var lease = Lease<byte>.Create(bytes.Length, clear: false);
        bytes.CopyTo(lease.Span);
        return lease;
    }

    public Task SetAsync(string key, byte[] value, TimeSpan timeToLive, CancellationToken cancellationToken)
        => cache.SetAsync(prefix + key, value, new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = timeToLive }, cancellationToken);

    public async Task<bool> SetUnlessNewerAsync(string key, byte[] value, long createdMs, TimeSpan timeToLive, CancellationToken cancellationToken)
    {
        var current = await cache.GetAsync(prefix + key, cancellationToken).ConfigureAwait(false);
        if (current is not null && EntryFormat.TryReadCreatedMs(current, out var currentCreatedMs) && currentCreatedMs >= createdMs)
        {
            return false;
        }

        await SetAsync(key, value, timeToLive, cancellationToken).ConfigureAwait(false);
        return true;
    }

    public Task RemoveAsync(string key, long stampMs, CancellationToken cancellationToken)
        => cache.RemoveAsync(prefix + key, cancellationToken);
}
