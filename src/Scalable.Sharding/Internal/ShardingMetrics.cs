using System.Diagnostics.Metrics;

namespace Scalable.Sharding.Internal;

// The package's instruments on one meter: the container's (IMeterFactory) when DI has one, else one the database owns.
internal sealed class ShardingMetrics(Meter meter)
{
    public Meter Meter => meter;

    public Counter<long> Operations { get; } = meter.CreateCounter<long>(
        "scalable.sharding.operations", "{operation}", "Connections opened through the router, per shard and access (primary or replica).");

    public Histogram<double> ScatterGatherDuration { get; } = meter.CreateHistogram<double>(
        "scalable.sharding.scatter_gather.duration", "s", "How long a scatter-gather over every shard took.");

    public Counter<long> ScatterGatherFailures { get; } = meter.CreateCounter<long>(
        "scalable.sharding.scatter_gather.failures", "{shard}", "Shards that failed or timed out in a scatter-gather.");

    public Counter<long> RowsMoved { get; } = meter.CreateCounter<long>(
        "scalable.sharding.rows_moved", "{row}", "Rows moved between shards by resharding, per source and target shard.");

    public Counter<long> MoveRowsCopied { get; } = meter.CreateCounter<long>(
        "scalable.sharding.move.rows_copied", "{row}", "Rows a shard move copied to their new owners (bulk copy and catch-up), per source and target shard.");

    public Counter<long> MoveRowsVerified { get; } = meter.CreateCounter<long>(
        "scalable.sharding.move.rows_verified", "{row}", "Copied rows whose count and checksum matched on the target.");

    public Counter<long> MoveRangesDone { get; } = meter.CreateCounter<long>(
        "scalable.sharding.move.ranges", "{range}", "Ranges (source shard x table) a shard move finished copying.");

    public Histogram<double> MoveFence { get; } = meter.CreateHistogram<double>(
        "scalable.sharding.move.fence.duration", "s", "How long a shard move's cutover fenced writes to moving keys.");
}
