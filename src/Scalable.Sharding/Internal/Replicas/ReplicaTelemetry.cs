using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Scalable.Sharding.Internal.Replicas;

internal sealed class ReplicaTelemetry(Meter meter)
{
    private readonly Histogram<double> _lag = meter.CreateHistogram<double>(
        "scalable.sharding.replica.lag", "s", "Replay lag of each standby behind its primary, measured by every probe.");

    private readonly Counter<long> _skipped = meter.CreateCounter<long>(
        "scalable.sharding.replica.skipped", "{read}", "Standbys passed over by a replica read, per reason (lag, unavailable, behind_token, failed).");

    private readonly Counter<long> _readYourWrites = meter.CreateCounter<long>(
        "scalable.sharding.replica.read_your_writes", "{read}", "Reads with a read-your-writes token, per outcome (standby, waited, primary).");

    public void Lag(string shard, StandbyState standby, TimeSpan lag) =>
        _lag.Record(lag.TotalSeconds, new TagList { { "db.shard", shard }, { "scalable.sharding.replica", standby.Tag } });

    public void Skipped(string shard, StandbyState standby, string reason) =>
        _skipped.Add(1, new TagList { { "db.shard", shard }, { "scalable.sharding.replica", standby.Tag }, { "scalable.sharding.reason", reason } });

    public void ReadYourWrites(string shard, string outcome) =>
        _readYourWrites.Add(1, new TagList { { "db.shard", shard }, { "scalable.sharding.outcome", outcome } });
}
