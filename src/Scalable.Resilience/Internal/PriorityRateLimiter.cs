using System.Threading.RateLimiting;

namespace Scalable.Resilience.Internal;

// A view of an adaptive limiter for one priority; the state (limit, in-flight) stays in the owner.
internal sealed class PriorityRateLimiter(AdaptiveConcurrencyLimiter owner, RequestPriority priority) : RateLimiter
{
    public override TimeSpan? IdleDuration => owner.IdleDuration;

    public override RateLimiterStatistics? GetStatistics() => owner.GetStatistics();

    protected override RateLimitLease AttemptAcquireCore(int permitCount) => owner.TryAcquire(permitCount, priority);

    protected override ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken)
        => new(owner.TryAcquire(permitCount, priority));
}
