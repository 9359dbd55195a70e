using System.Threading.RateLimiting;

namespace Scalable.Resilience.Internal;

// Maps each resource to a priority of one adaptive limiter, the shape ASP.NET Core's rate-limiting middleware takes.
internal sealed class PriorityPartitionedRateLimiter<TResource>(AdaptiveConcurrencyLimiter owner, Func<TResource, RequestPriority> priority)
    : PartitionedRateLimiter<TResource>
{
    public override RateLimiterStatistics? GetStatistics(TResource resource) => owner.GetStatistics();

    protected override RateLimitLease AttemptAcquireCore(TResource resource, int permitCount) => owner.TryAcquire(permitCount, priority(resource));

    protected override ValueTask<RateLimitLease> AcquireAsyncCore(TResource resource, int permitCount, CancellationToken cancellationToken)
        => new(owner.TryAcquire(permitCount, priority(resource)));
}
