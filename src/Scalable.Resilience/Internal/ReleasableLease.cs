using System.Threading.RateLimiting;

namespace Scalable.Resilience.Internal;

// A granted permit that must be given back (concurrency limiters): OnRelease runs once, on the first dispose.
internal abstract class ReleasableLease : RateLimitLease
{
    private int _released;

    public bool IsReleased => Volatile.Read(ref _released) == 1;

    public override bool IsAcquired => true;

    public override IEnumerable<string> MetadataNames => [];

    public override bool TryGetMetadata(string metadataName, out object? metadata)
    {
        metadata = null;
        return false;
    }

    protected abstract void OnRelease();

    protected override void Dispose(bool disposing)
    {
        if (Interlocked.Exchange(ref _released, 1) == 0)
        {
            OnRelease();
        }
    }
}
