namespace Scalable.Sharding.Internal.Replicas;

// The primary's WAL position as seen by successive probes. A standby that has replayed up to R lacks the WAL
// written after the first probe that saw the primary past R, so its lag is at least the time since that probe:
// measured to within one probe interval, and zero when the primary is idle and the standby has everything.
internal sealed class WalHistory
{
    private const int Capacity = 1024;
    private readonly List<(DateTimeOffset At, ulong Lsn)> _samples = [];

    public void Add(DateTimeOffset at, ulong lsn)
    {
        lock (_samples)
        {
            if (_samples.Count > 0)
            {
                var last = _samples[^1].Lsn;
                if (lsn == last)
                {
                    // Keep the first probe of a run at one position: that is when the WAL up to it existed.
                    return;
                }

                if (lsn < last)
                {
                    // The position went back: another server answers as primary now (a failover), with its own WAL.
                    _samples.Clear();
                }
            }

            _samples.Add((at, lsn));
            if (_samples.Count > Capacity)
            {
                _samples.RemoveAt(0);
            }
        }
    }

    public TimeSpan LagOf(ulong replayed, DateTimeOffset now)
    {
        lock (_samples)
        {
            if (_samples.Count == 0 || replayed >= _samples[^1].Lsn)
            {
                return TimeSpan.Zero;
            }

            foreach (var (at, lsn) in _samples)
            {
                if (lsn > replayed)
                {
                    return now > at ? now - at : TimeSpan.Zero;
                }
            }

            return TimeSpan.Zero;
        }
    }
}
