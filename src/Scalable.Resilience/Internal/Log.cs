using Microsoft.Extensions.Logging;

namespace Scalable.Resilience.Internal;

// Every log line of the package, with stable event ids (6000-6099 belong to Scalable.Resilience).
internal static partial class Log
{
    [LoggerMessage(EventId = 6001, Level = LogLevel.Warning, Message = "Rate limiter {Limiter} cannot reach Redis; applying outage policy {Policy} until Redis answers again.")]
    public static partial void RedisOutage(ILogger logger, Exception exception, string limiter, OutagePolicy policy);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Information, Message = "Rate limiter {Limiter} reaches Redis again; shared limiting resumed.")]
    public static partial void RedisRecovered(ILogger logger, string limiter);

    [LoggerMessage(EventId = 6003, Level = LogLevel.Warning, Message = "Shared circuit breaker {Breaker} could not use Redis; it keeps working locally.")]
    public static partial void SharedBreakerRedisFailed(ILogger logger, Exception exception, string breaker);

    [LoggerMessage(EventId = 6004, Level = LogLevel.Information, Message = "Shared circuit breaker {Breaker} received '{Change}' from another instance.")]
    public static partial void SharedBreakerRemoteChange(ILogger logger, string breaker, string change);

    [LoggerMessage(EventId = 6005, Level = LogLevel.Debug, Message = "Adaptive limiter {Limiter} changed its limit from {OldLimit} to {NewLimit}.")]
    public static partial void AdaptiveLimitChanged(ILogger logger, string limiter, int oldLimit, int newLimit);
}
