using System.Threading.RateLimiting;

namespace Scalable.Resilience.Internal;

// A lease with nothing to release: a granted rate permit, or a rejection with its Retry-After and reason.
internal sealed class DecisionLease : RateLimitLease
{
    public static readonly DecisionLease Granted = new(true, null, null);

    private static readonly string[] RejectedNames = [MetadataName.RetryAfter.Name, MetadataName.ReasonPhrase.Name];
    private readonly TimeSpan? _retryAfter;
    private readonly string? _reason;

    private DecisionLease(bool acquired, TimeSpan? retryAfter, string? reason)
    {
        IsAcquired = acquired;
        _retryAfter = retryAfter;
        _reason = reason;
    }

    public override bool IsAcquired { get; }

    public override IEnumerable<string> MetadataNames => IsAcquired ? [] : RejectedNames;

    public static DecisionLease Rejected(TimeSpan? retryAfter, string reason) => new(false, retryAfter, reason);

    public override bool TryGetMetadata(string metadataName, out object? metadata)
    {
        if (metadataName == MetadataName.RetryAfter.Name && _retryAfter is { } retryAfter)
        {
            metadata = retryAfter;
            return true;
        }

        if (metadataName == MetadataName.ReasonPhrase.Name && _reason is not null)
        {
            metadata = _reason;
            return true;
        }

        metadata = null;
        return false;
    }
}
