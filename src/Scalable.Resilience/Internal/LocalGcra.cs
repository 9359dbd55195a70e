namespace Scalable.Resilience.Internal;

// The in-process twin of the Redis GCRA script, on the instance's TimeProvider: the local fallback of rate limiters.
// Times are fractional ticks so that an interval below one tick (or not a whole number of them) keeps its rate.
internal sealed class LocalGcra(double intervalTicks, int burst, TimeProvider time)
{
    private readonly object _gate = new();
    private readonly double _ticksPerTimestamp = (double)TimeSpan.TicksPerSecond / time.TimestampFrequency;
    private double _tat;

    public LocalGcra(TimeSpan interval, int burst, TimeProvider time)
        : this((double)interval.Ticks, burst, time)
    {
    }

    // Rounded down, so that the shares of a fleet never add up to more than the limit (at least one permit each).
    public static LocalGcra ForShare(int permitLimit, TimeSpan window, int burst, double share, TimeProvider time)
    {
        var permits = Math.Max(1, (int)Math.Floor((permitLimit * share) + 1e-9));
        return new LocalGcra((double)window.Ticks / permits, Math.Max(1, (int)Math.Floor((burst * share) + 1e-9)), time);
    }

    // Starts the bucket holding the given permits at the given timestamp, refilling from there; from empty now when
    // nothing was observed (timestamp 0). A bucket that started full would give the fleet a second burst.
    public LocalGcra StartingWith(double permits, long timestamp)
    {
        var at = timestamp == 0 ? time.GetTimestamp() : timestamp;
        var held = timestamp == 0 ? 0 : Math.Clamp(Math.Floor(permits), 0, burst);
        _tat = (at * _ticksPerTimestamp) + ((burst - held) * intervalTicks);
        return this;
    }

    public TimeSpan? TryAcquire(int permits, out bool acquired)
    {
        var now = time.GetTimestamp() * _ticksPerTimestamp;
        lock (_gate)
        {
            var tat = Math.Max(_tat, now);

            // 0 permits asks whether one would fit and takes nothing, as the runtime's TokenBucketRateLimiter answers it.
            var allowAt = tat + ((Math.Max(permits, 1) - burst) * intervalTicks);
            acquired = now >= allowAt;
            if (!acquired)
            {
                return TimeSpan.FromTicks((long)Math.Ceiling(allowAt - now));
            }

            _tat = tat + (permits * intervalTicks);
            return null;
        }
    }
}
