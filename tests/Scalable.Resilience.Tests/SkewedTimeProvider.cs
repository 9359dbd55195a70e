namespace Scalable.Resilience.Tests;

// A clock that runs at real speed but reads far from the truth, as a misconfigured host would.
internal sealed class SkewedTimeProvider(TimeSpan skew) : TimeProvider
{
    private readonly long _timestampSkew = (long)(skew.TotalSeconds * System.TimestampFrequency);

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + skew;

    public override long GetTimestamp() => System.GetTimestamp() + _timestampSkew;
}
