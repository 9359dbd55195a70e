using System.Threading.RateLimiting;

namespace Scalable.Resilience.Internal;

// A permit of the adaptive limiter; disposing it reports the request's latency (and whether it was dropped) as a sample.
internal sealed class AdaptiveLease(AdaptiveConcurrencyLimiter owner, int permits, long startedAt, int inFlightAtStart) : RateLimitLease
{
    private int _released;

    public AdaptiveConcurrencyLimiter Owner => owner;

    public bool Dropped { get; set; }

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
            owner.Complete(permits, startedAt, inFlightAtStart, Dropped);
        }
    }
}
