using System.Collections.Concurrent;
using System.Threading.RateLimiting;

namespace Scalable.Samples.UsersApi;

/// <summary>A per-client limit decided in Redis but asked for in batches: an instance takes a share of a client's permits in one
/// Redis call and hands them out locally for at most one window. A client never gets more than Redis granted, so the limit holds
/// across every instance; permits an instance took but did not spend are lost, so a client at its limit may get slightly fewer.</summary>
internal sealed class LocalShareRateLimiter(PartitionedRateLimiter<HttpContext> redis, Func<HttpContext, string> partitionKey, int share, TimeSpan lifetime, TimeProvider time)
    : PartitionedRateLimiter<HttpContext>
{
    private const int SweepAbove = 10_000;
    private static readonly RateLimitLease Granted = new FixedLease(true);
    private static readonly RateLimitLease AskAsynchronously = new FixedLease(false);
    private readonly ConcurrentDictionary<string, Share> _shares = new(StringComparer.Ordinal);

    public override RateLimiterStatistics? GetStatistics(HttpContext resource) => redis.GetStatistics(resource);

    // No Redis call here: either a local permit, or "not yet", on which the ASP.NET Core middleware calls AcquireAsync.
    protected override RateLimitLease AttemptAcquireCore(HttpContext resource, int permitCount)
        => TryTake(partitionKey(resource), permitCount) ? Granted : AskAsynchronously;

    protected override async ValueTask<RateLimitLease> AcquireAsyncCore(HttpContext resource, int permitCount, CancellationToken cancellationToken)
    {
        var key = partitionKey(resource);
        if (TryTake(key, permitCount))
        {
            return Granted;
        }

        if (share > permitCount)
        {
            using var batch = await redis.AcquireAsync(resource, share, cancellationToken);
            if (batch.IsAcquired)
            {
                Refill(key, share - permitCount);
                return Granted;
            }
        }

        // Near the limit a whole share is refused: ask for exactly what this request needs, and pass on Redis' answer (with Retry-After).
        return await redis.AcquireAsync(resource, permitCount, cancellationToken);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            redis.Dispose();
        }

        base.Dispose(disposing);
    }

    private bool TryTake(string key, int permitCount)
    {
        if (!_shares.TryGetValue(key, out var current))
        {
            return false;
        }

        lock (current)
        {
            if (current.Remaining < permitCount || time.GetTimestamp() > current.ExpiresAt)
            {
                return false;
            }

            current.Remaining -= permitCount;
            return true;
        }
    }

    private void Refill(string key, int permits)
    {
        if (_shares.Count > SweepAbove)
        {
            var now = time.GetTimestamp();
            foreach (var (staleKey, stale) in _shares)
            {
                if (stale.ExpiresAt < now)
                {
                    _shares.TryRemove(staleKey, out _);
                }
            }
        }

        var entry = _shares.GetOrAdd(key, static _ => new Share());
        lock (entry)
        {
            // Permits from Redis are spent within one window or not at all, so no burst builds up beyond what Redis allowed.
            entry.Remaining = permits;
            entry.ExpiresAt = time.GetTimestamp() + (long)(lifetime.TotalSeconds * time.TimestampFrequency);
        }
    }

    private sealed class Share
    {
        public int Remaining { get; set; }

        public long ExpiresAt { get; set; }
    }

    private sealed class FixedLease(bool acquired) : RateLimitLease
    {
        public override bool IsAcquired => acquired;

        public override IEnumerable<string> MetadataNames => [];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = null;
            return false;
        }
    }
}
