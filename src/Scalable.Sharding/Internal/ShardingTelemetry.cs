using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Scalable.Sharding.Internal;

internal static class ShardingTelemetry
{
    public const string Name = "Scalable.Sharding";

    public static readonly ActivitySource ActivitySource = new(Name);

    public static readonly Meter Meter = new(Name);

    public static readonly Counter<long> Operations = Meter.CreateCounter<long>(
        "scalable.sharding.operations", "{operation}", "Connections opened through the router, per shard and access (primary or replica).");

    public static readonly Histogram<double> ScatterGatherDuration = Meter.CreateHistogram<double>(
        "scalable.sharding.scatter_gather.duration", "s", "How long a scatter-gather over every shard took.");

    public static readonly Counter<long> ScatterGatherFailures = Meter.CreateCounter<long>(
        "scalable.sharding.scatter_gather.failures", "{shard}", "Shards that failed or timed out in a scatter-gather.");

    public static readonly Counter<long> RowsMoved = Meter.CreateCounter<long>(
        "scalable.sharding.rows_moved", "{row}", "Rows moved between shards by resharding, per source and target shard.");

    public static readonly Counter<long> MoveRowsCopied = Meter.CreateCounter<long>(
        "scalable.sharding.move.rows_copied", "{row}", "Rows a shard move copied to their new owners (bulk copy and catch-up), per source and target shard.");

    public static readonly Counter<long> MoveRowsVerified = Meter.CreateCounter<long>(
        "scalable.sharding.move.rows_verified", "{row}", "Copied rows whose count and checksum matched on the target.");

    public static readonly Counter<long> MoveRangesDone = Meter.CreateCounter<long>(
        "scalable.sharding.move.ranges", "{range}", "Ranges (source shard x table) a shard move finished copying.");

    public static readonly Histogram<double> MoveFence = Meter.CreateHistogram<double>(
        "scalable.sharding.move.fence.duration", "s", "How long a shard move's cutover fenced writes to moving keys.");
}
