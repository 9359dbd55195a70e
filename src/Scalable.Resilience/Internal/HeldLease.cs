using StackExchange.Redis;

namespace Scalable.Resilience.Internal;

// A permit of the Redis concurrency limiter (or its local fallback); Redis leases carry their owner and sorted-set
// members so they can be renewed.
internal sealed class HeldLease(Action release, object? owner = null, RedisValue[]? members = null) : ReleasableLease
{
    public object? Owner => owner;

    public RedisValue[] Members => members ?? [];

    protected override void OnRelease() => release();
}
