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
}
