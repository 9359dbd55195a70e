using StackExchange.Redis;

namespace Scalable.Caching.Internal;

// The shared second level: Redis, or any IDistributedCache. Keys arrive without the cache's prefix.
internal interface IL2Store
{
    // The stored bytes in a pooled buffer the caller disposes once it has read them (Redis hands them over without a
    // copy into a new array); null when the key holds nothing.
    Task<Lease<byte>?> GetAsync(string key, CancellationToken cancellationToken);

    // Replaces whatever the key holds: a user's set, which is the newest value by definition, and tag stamps.
    Task SetAsync(string key, byte[] value, TimeSpan timeToLive, CancellationToken cancellationToken);

    // A factory's value: stored unless the key holds an entry created at or after createdMs (a newer set, a newer value, or
    // the tombstone of a later removal). False when it was refused.
    Task<bool> SetUnlessNewerAsync(string key, byte[] value, long createdMs, TimeSpan timeToLive, CancellationToken cancellationToken);

    // A removal made at stampMs; where the store can compare stamps it leaves a tombstone that refuses older values.
    Task RemoveAsync(string key, long stampMs, CancellationToken cancellationToken);
}
