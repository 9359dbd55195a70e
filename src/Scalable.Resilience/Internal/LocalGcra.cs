namespace Scalable.Resilience.Internal;

// The in-process twin of the Redis GCRA script, on the instance's TimeProvider: the local fallback of rate limiters.
internal sealed class LocalGcra(TimeSpan interval, int burst, TimeProvider time)
{
    private readonly object _gate = new();
    private readonly double _ticksPerTimestamp = (double)TimeSpan.TicksPerSecond / time.TimestampFrequency;
    private long _tat;

    public static LocalGcra ForShare(int permitLimit, TimeSpan window, int burst, double share, TimeProvider time)
    {
        var permits = Math.Max(1, (int)Math.Ceiling(permitLimit * share));
        return new LocalGcra(window / permits, Math.Max(1, (int)Math.Ceiling(burst * share)), time);
    }

    public TimeSpan? TryAcquire(int permits, out bool acquired)
    {
        var now = (long)(time.GetTimestamp() * _ticksPerTimestamp);
        lock (_gate)
        {
            var tat = Math.Max(_tat, now);
            var newTat = tat + (permits * interval.Ticks);
            var allowAt = newTat - (burst * interval.Ticks);
            acquired = now >= allowAt;
            if (!acquired)
            {
                return TimeSpan.FromTicks(allowAt - now);
            }

            _tat = newTat;
            return null;
        }
    }
}
