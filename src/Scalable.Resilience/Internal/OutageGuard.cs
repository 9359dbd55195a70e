using Microsoft.Extensions.Logging;

namespace Scalable.Resilience.Internal;

// Tracks whether Redis answers: after a failure the limiter follows its outage policy and tries Redis again
// once per probe interval, so recovery needs no action.
internal sealed class OutageGuard(string limiter, OutagePolicy policy, TimeSpan probeInterval, TimeProvider time, ILogger logger)
{
    private readonly long _probeTicks = (long)(probeInterval.TotalSeconds * time.TimestampFrequency);
    private long _probeAt;
    private int _down;

    public bool IsDown => Volatile.Read(ref _down) == 1;

    public bool ShouldTryRedis() => !IsDown || time.GetTimestamp() >= Volatile.Read(ref _probeAt);

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
