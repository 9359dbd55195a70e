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

    [LoggerMessage(EventId = 8, Level = LogLevel.Warning, Message = "The shard move record on the first shard could not be read; routing goes on with the last known view.")]
    public static partial void MoveStateUnreadable(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 9, Level = LogLevel.Warning, Message = "A write to a key of shard move {MoveId} on shard {Shard} gave up waiting for the cutover fence.")]
    public static partial void WriteFenced(ILogger logger, string moveId, string shard);

    [LoggerMessage(EventId = 10, Level = LogLevel.Information, Message = "Shard move {MoveId} entered phase {Phase}.")]
    public static partial void MovePhase(ILogger logger, string moveId, ShardMovePhase phase);

    [LoggerMessage(EventId = 11, Level = LogLevel.Information, Message = "Shard move {MoveId}: {RangesDone}/{RangesTotal} ranges, {RowsCopied} rows copied, {RowsVerified} verified, {RowsPerSecond:0} rows/s, about {SecondsLeft:0} s left.")]
    public static partial void MoveProgress(ILogger logger, string moveId, int rangesDone, int rangesTotal, long rowsCopied, long rowsVerified, double rowsPerSecond, double secondsLeft);

    [LoggerMessage(EventId = 12, Level = LogLevel.Warning, Message = "Shard move {MoveId} is already being run by another mover; this one stops.")]
    public static partial void MoverRejected(ILogger logger, string moveId);

    [LoggerMessage(EventId = 13, Level = LogLevel.Warning, Message = "Shard move {MoveId}: writes did not finish within the cutover lock timeout on shard {Shard}; catching up and trying again.")]
    public static partial void CutoverRetried(ILogger logger, string moveId, string shard);

    [LoggerMessage(EventId = 14, Level = LogLevel.Information, Message = "Shard move {MoveId} switched: writes to moving keys were fenced for {FenceMilliseconds:0} ms.")]
    public static partial void MoveSwitched(ILogger logger, string moveId, double fenceMilliseconds);
}
