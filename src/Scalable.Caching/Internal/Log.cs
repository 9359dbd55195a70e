using Microsoft.Extensions.Logging;

namespace Scalable.Caching.Internal;

internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Warning, "L2 {Operation} failed for '{Key}'; the cache keeps serving from L1.")]
    public static partial void L2Failed(ILogger logger, string operation, string key, Exception error);

    [LoggerMessage(2, LogLevel.Warning, "L2 circuit breaker opened after repeated failures; L2 is skipped for {BreakDuration}.")]
    public static partial void BreakerOpened(ILogger logger, TimeSpan breakDuration);

    [LoggerMessage(3, LogLevel.Information, "L2 answers again; replaying {Count} removals made while it was unreachable.")]
    public static partial void Replaying(ILogger logger, int count);

    [LoggerMessage(4, LogLevel.Warning, "Factory for '{Key}' failed; serving a stale value (fail-safe) for {Throttle}.")]
    public static partial void FailSafe(ILogger logger, string key, TimeSpan throttle, Exception error);

    [LoggerMessage(5, LogLevel.Information, "Factory for '{Key}' passed its soft timeout; serving a stale value while it finishes in the background.")]
    public static partial void SoftTimeout(ILogger logger, string key);

    [LoggerMessage(6, LogLevel.Warning, "Waited {Wait} for another instance to compute '{Key}'; computing here.")]
    public static partial void LeaseWaitTimedOut(ILogger logger, string key, TimeSpan wait);

    [LoggerMessage(7, LogLevel.Warning, "Stored entry for '{Key}' could not be read (unknown format or failed deserialization); treating it as a miss.")]
    public static partial void UnreadableEntry(ILogger logger, string key, Exception? error);

    [LoggerMessage(8, LogLevel.Warning, "Background work for '{Key}' failed.")]
    public static partial void BackgroundFailed(ILogger logger, string key, Exception error);

    [LoggerMessage(9, LogLevel.Warning, "Removal queue is full ({Limit}); the removal of '{Name}' made during the L2 outage will not be replayed.")]
    public static partial void PendingDropped(ILogger logger, int limit, string name);

    [LoggerMessage(10, LogLevel.Warning, "Backplane message could not be handled: '{Message}'.")]
    public static partial void BadMessage(ILogger logger, string message, Exception? error);

    [LoggerMessage(11, LogLevel.Debug, "Factory for '{Key}' finished after it was given up on (hard timeout or every caller cancelled); its value was dropped.")]
    public static partial void AbandonedFactoryFinished(ILogger logger, string key);

    [LoggerMessage(12, LogLevel.Warning, "Disposed with {Count} queued removals that never reached L2 or the other instances; they are dropped, and those keys and tags may be served stale elsewhere until they expire.")]
    public static partial void PendingDroppedOnDispose(ILogger logger, int count);
}
