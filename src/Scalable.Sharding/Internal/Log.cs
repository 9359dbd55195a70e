using Microsoft.Extensions.Logging;

namespace Scalable.Sharding.Internal;

internal static partial class Log
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Shard map version {OldVersion} replaced by version {NewVersion} with {ShardCount} shards ({Router}).")]
    public static partial void TopologySwapped(ILogger logger, long oldVersion, long newVersion, int shardCount, ShardRouterKind router);

    [LoggerMessage(EventId = 2, Level = LogLevel.Error, Message = "The reloaded shard map was rejected; version {Version} stays in use.")]
    public static partial void TopologyRejected(ILogger logger, long version, Exception exception);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "Read replica {ReplicaIndex} of shard {Shard} is unavailable; trying the next replica or the primary.")]
    public static partial void ReplicaUnavailable(ILogger logger, string shard, int replicaIndex, Exception exception);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "Scatter-gather: shard {Shard} failed; the other shards' results are returned.")]
    public static partial void ScatterGatherShardFailed(ILogger logger, string shard, Exception exception);

    [LoggerMessage(EventId = 5, Level = LogLevel.Debug, Message = "Resharding {Table}: moved {Rows} rows from {Source} to {Target}.")]
    public static partial void BatchMoved(ILogger logger, string table, int rows, string source, string target);

    [LoggerMessage(EventId = 6, Level = LogLevel.Information, Message = "Resharding {Table} ({MoveId}) finished: {Rows} rows moved in {Batches} batches.")]
    public static partial void MoveCompleted(ILogger logger, string table, string moveId, long rows, int batches);

    [LoggerMessage(EventId = 7, Level = LogLevel.Information, Message = "Resharding {Table} ({MoveId}) resumes on shard {Source} after {Rows} rows already moved.")]
    public static partial void MoveResumed(ILogger logger, string table, string moveId, string source, long rows);
}
