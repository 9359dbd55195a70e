using Microsoft.Extensions.Logging;

namespace Scalable.Sharding.Internal;

// Read replicas use event ids 30-39.
internal static partial class Log
{
    [LoggerMessage(EventId = 30, Level = LogLevel.Warning, Message = "Standby {ReplicaIndex} of shard {Shard} is {LagMilliseconds} ms behind its primary, above the bound of {MaxLagMilliseconds} ms; replica reads skip it until it catches up.")]
    public static partial void StandbyLagging(ILogger logger, string shard, int replicaIndex, long lagMilliseconds, long maxLagMilliseconds);

    [LoggerMessage(EventId = 31, Level = LogLevel.Information, Message = "Standby {ReplicaIndex} of shard {Shard} caught up ({LagMilliseconds} ms behind); replica reads use it again.")]
    public static partial void StandbyCaughtUp(ILogger logger, string shard, int replicaIndex, long lagMilliseconds);

    [LoggerMessage(EventId = 32, Level = LogLevel.Warning, Message = "Standby {ReplicaIndex} of shard {Shard} does not answer; replica reads skip it until a probe reaches it.")]
    public static partial void StandbyDown(ILogger logger, string shard, int replicaIndex, Exception exception);

    [LoggerMessage(EventId = 33, Level = LogLevel.Information, Message = "Standby {ReplicaIndex} of shard {Shard} answers again.")]
    public static partial void StandbyUp(ILogger logger, string shard, int replicaIndex);

    [LoggerMessage(EventId = 34, Level = LogLevel.Warning, Message = "A replica read on standby {ReplicaIndex} of shard {Shard} lost its connection; it is retried on another standby or the primary.")]
    public static partial void ReplicaReadRetried(ILogger logger, string shard, int replicaIndex, Exception exception);

    [LoggerMessage(EventId = 35, Level = LogLevel.Debug, Message = "No standby of shard {Shard} had replayed {Position:X} within the read-your-writes wait; the read goes to the primary.")]
    public static partial void ReadYourWritesOnPrimary(ILogger logger, string shard, ulong position);

    [LoggerMessage(EventId = 36, Level = LogLevel.Warning, Message = "The primary of shard {Shard} does not answer the lag probe; standby lag is measured against its last known position.")]
    public static partial void PrimaryProbeFailed(ILogger logger, string shard, Exception exception);
}
