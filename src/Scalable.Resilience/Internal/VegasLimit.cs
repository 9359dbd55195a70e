namespace Scalable.Resilience.Internal;

// TCP-Vegas-style limit (as in Netflix concurrency-limits): the queue a window of requests built up is estimated from
// how far their latency exceeds the no-load latency; a small queue raises the limit, a large one or a drop lowers it.
// Thresholds grow with log10(limit) so large limits move in proportion. Not thread-safe: the caller locks.
internal sealed class VegasLimit(double initial, int min, int max)
{
    private double _noLoadRtt;

    public double Limit { get; private set; } = initial;

    public void Update(double averageRtt, int maxInFlight, bool dropped, bool relearnNoLoad = false)
    {
        if (_noLoadRtt <= 0 || averageRtt < _noLoadRtt || relearnNoLoad)
        {
            _noLoadRtt = averageRtt;
        }

        var step = Math.Max(1, Math.Log10(Limit));
        double next;
        if (dropped)
        {
            next = Limit - step;
        }
        else if (maxInFlight * 2 < Limit)
        {
            // The limit was not the constraint in this window; latency says nothing about it.
            return;
        }
        else
        {
            var queue = Math.Ceiling(Limit * (1 - (_noLoadRtt / averageRtt)));
            if (queue <= step)
            {
                next = Limit + (6 * step);
            }
            else if (queue < 3 * step)
            {
                next = Limit + step;
            }
            else if (queue > 6 * step)
            {
                next = Limit - step;
            }
            else
            {
                return;
            }
        }

        Limit = Math.Clamp(next, min, max);
    }
}
