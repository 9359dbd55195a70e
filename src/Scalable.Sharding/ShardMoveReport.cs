namespace Scalable.Sharding;

/// <summary>What a finished <see cref="ShardMove"/> did.</summary>
/// <param name="MoveId">The move's identifier.</param>
/// <param name="RowsCopied">Rows copied to new owners, over every run of the move (catch-up copies included).</param>
/// <param name="RowsVerified">Copied rows that verified by count and checksum.</param>
/// <param name="RowsRemovedFromSources">Rows this run deleted from their old owners after the switch.</param>
/// <param name="LongestFence">How long writes to moving keys were fenced at cutover in this run (zero when the cutover happened in an earlier run).</param>
public sealed record ShardMoveReport(string MoveId, long RowsCopied, long RowsVerified, long RowsRemovedFromSources, TimeSpan LongestFence);
