namespace Scalable.Sharding;

/// <summary>What one run of <see cref="ReshardingMover.MoveAsync"/> did.</summary>
/// <param name="MoveId">The move's stable identifier (derived from both topologies and the table).</param>
/// <param name="RowsMoved">Rows moved by this run.</param>
/// <param name="Batches">Verified batches committed by this run.</param>
/// <param name="RowsMovedBefore">Rows that earlier, interrupted runs of the same move had already moved.</param>
/// <param name="RowsByRoute">Rows moved by this run per (source shard, target shard).</param>
/// <param name="SourceRowsDropped">Source rows deleted without copying because their new owner already had a newer row (<see cref="ExistingTargetRows.Keep"/>).</param>
public sealed record ReshardingReport(
    string MoveId,
    long RowsMoved,
    int Batches,
    long RowsMovedBefore,
    IReadOnlyDictionary<(string Source, string Target), long> RowsByRoute,
    long SourceRowsDropped);
