namespace Scalable.Caching.Internal;

// Opens after a run of L2 failures so a dead server is not hammered; after the break one call is let
// through as a probe (the others keep skipping L2, so only one caller can wait on a server that still
// hangs), and a success closes it again.
internal sealed class L2CircuitBreaker(int threshold, TimeSpan breakDuration, TimeProvider time)
{
    private readonly long _breakTicks = (long)(breakDuration.TotalSeconds * time.TimestampFrequency);
    private int _failures;
    private long _openUntilTimestamp;

    public bool IsOpen => Volatile.Read(ref _openUntilTimestamp) > time.GetTimestamp();

    // True when a call may go to L2: the breaker is closed, or its break is over and this call is the probe.
    public bool TryPass()
    {
        var until = Volatile.Read(ref _openUntilTimestamp);
        if (until == 0)
        {
            return true;
        }

        var now = time.GetTimestamp();
        return until <= now && Interlocked.CompareExchange(ref _openUntilTimestamp, now + _breakTicks, until) == until;
    }

    // Returns true when this failure opened the breaker.
    public bool RecordFailure()
    {
        if (Interlocked.Increment(ref _failures) < threshold)
        {
            return false;
        }

        var until = time.GetTimestamp() + _breakTicks;
        var previous = Interlocked.Exchange(ref _openUntilTimestamp, until);
        return previous == 0;
    }

    // Returns true when this success ended a run of failures (the server is back).
    public bool RecordSuccess()
    {
        if (Volatile.Read(ref _failures) == 0)
        {
            return false;
        }

        Interlocked.Exchange(ref _failures, 0);
        Interlocked.Exchange(ref _openUntilTimestamp, 0);
        return true;
    }

    public void Reset()
    {
        Interlocked.Exchange(ref _failures, 0);
        Interlocked.Exchange(ref _openUntilTimestamp, 0);
    }
}
