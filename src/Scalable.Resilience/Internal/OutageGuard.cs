using Microsoft.Extensions.Logging;

namespace Scalable.Resilience.Internal;

// Tracks whether Redis answers: after a failure the limiter follows its outage policy and tries Redis again once per probe
// interval, so recovery needs no action. One guard serves every partition of a limiter (a new partition does not find a
// known outage again by waiting), and a due probe goes to one caller; the others decide by the outage policy meanwhile.
internal sealed class OutageGuard(string limiter, OutagePolicy policy, TimeSpan probeInterval, TimeProvider time, ILogger logger)
{
    private readonly long _probeTicks = (long)(probeInterval.TotalSeconds * time.TimestampFrequency);
    private long _probeAt;
    private int _down;

    public bool IsDown => Volatile.Read(ref _down) == 1;

    public bool ShouldTryRedis()
    {
        if (!IsDown)
        {
            return true;
        }

        var probeAt = Volatile.Read(ref _probeAt);
        var now = time.GetTimestamp();
        return now >= probeAt && Interlocked.CompareExchange(ref _probeAt, now + _probeTicks, probeAt) == probeAt;
    }

    public void Succeeded()
    {
        if (Interlocked.Exchange(ref _down, 0) == 1)
        {
            Log.RedisRecovered(logger, limiter);
        }
    }

    public void Failed(Exception exception)
    {
        Volatile.Write(ref _probeAt, time.GetTimestamp() + _probeTicks);
        if (Interlocked.Exchange(ref _down, 1) == 0)
        {
            Log.RedisOutage(logger, exception, limiter, policy);
        }
    }
}
