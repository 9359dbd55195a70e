using System.Threading.RateLimiting;
using StackExchange.Redis;

namespace Scalable.Resilience.Internal;

// A granted permit that must be given back (concurrency limiters): the release runs once, on dispose.
// Redis leases also carry their owner and sorted-set members so they can be renewed; adaptive leases carry a drop mark.
internal sealed class HeldLease(Action<HeldLease> release, object? owner = null, RedisValue[]? members = null) : RateLimitLease
{
    private int _released;

    public object? Owner => owner;

    public RedisValue[] Members => members ?? [];

    public bool Dropped { get; set; }

    public bool IsReleased => Volatile.Read(ref _released) == 1;

    public override bool IsAcquired => true;

    public override IEnumerable<string> MetadataNames => [];

    public override bool TryGetMetadata(string metadataName, out object? metadata)
    {
        metadata = null;
        return false;
    }

    protected override void Dispose(bool disposing)
    {
        if (Interlocked.Exchange(ref _released, 1) == 0)
        {
            release(this);
        }
    }
}
