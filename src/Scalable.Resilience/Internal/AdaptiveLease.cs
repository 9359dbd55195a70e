namespace Scalable.Resilience.Internal;

// A permit of the adaptive limiter: one object per request (no closure), reporting its latency sample on release.
internal sealed class AdaptiveLease(AdaptiveConcurrencyLimiter owner, int permits, long startedAt, int inFlightAtStart) : ReleasableLease
{
    public AdaptiveConcurrencyLimiter Owner => owner;

    public bool Dropped { get; set; }

    protected override void OnRelease() => owner.Complete(permits, startedAt, inFlightAtStart, Dropped);
}
