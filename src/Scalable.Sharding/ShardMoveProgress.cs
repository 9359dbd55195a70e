namespace Scalable.Sharding;

/// <summary>How far a <see cref="ShardMove"/> has come; a range is one source shard's part of one table.</summary>
/// <param name="MoveId">The move's identifier.</param>
/// <param name="Phase">The current phase.</param>
/// <param name="RangesDone">Ranges whose rows are copied (or, after the switch, cleaned up).</param>
/// <param name="RangesTotal">All ranges of the move.</param>
/// <param name="RowsCopied">Rows copied to new owners so far, including earlier runs of the move.</param>
/// <param name="RowsVerified">Copied rows whose count and checksum matched on the target.</param>
/// <param name="RowsPerSecond">Rows copied per second by this run.</param>
/// <param name="EstimatedTimeLeft">The estimated time until the copy is done, or null when unknown.</param>
/// <param name="IsPaused">Whether the move is paused.</param>
public sealed record ShardMoveProgress(
    string MoveId,
    ShardMovePhase Phase,
    int RangesDone,
    int RangesTotal,
    long RowsCopied,
    long RowsVerified,
    double RowsPerSecond,
    TimeSpan? EstimatedTimeLeft,
    bool IsPaused);
