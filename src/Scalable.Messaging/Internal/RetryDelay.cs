namespace Scalable.Messaging.Internal;

// Exponential backoff with "equal jitter": half the delay is fixed, half random, so retries of many messages spread out.
internal static class RetryDelay
{
    public static TimeSpan For(int attempt, TimeSpan initial, TimeSpan max)
    {
        var exponent = Math.Min(Math.Max(attempt - 1, 0), 30);
        var ticks = Math.Min(max.Ticks, initial.Ticks * Math.Pow(2, exponent));
        return TimeSpan.FromTicks((long)((ticks / 2) + (Random.Shared.NextDouble() * ticks / 2)));
    }
}
