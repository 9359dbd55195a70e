namespace Scalable.Caching.Internal;

// Unix milliseconds for expiry checks. With the system clock it reads Environment.TickCount64 (much cheaper
// than DateTime.UtcNow) against an anchor re-taken from the wall clock every second, so it never drifts by
// more than the tick resolution; any other TimeProvider (tests) is asked directly.
internal sealed class WallClock(TimeProvider time)
{
    private const long ResyncAfterMs = 1000;
    private readonly bool _isSystem = ReferenceEquals(time, TimeProvider.System);
    private Anchor _anchor = new(long.MinValue / 2, 0);

    // True when this is the system clock, the one MemoryCache checks its expirations against.
    public bool IsSystem => _isSystem;

    public long NowMs()
    {
        if (!_isSystem)
        {
            return time.GetUtcNow().ToUnixTimeMilliseconds();
        }

        var anchor = Volatile.Read(ref _anchor);
        var elapsed = Environment.TickCount64 - anchor.Tick;
        if (elapsed is < 0 or > ResyncAfterMs)
        {
            anchor = TakeAnchor();
            Volatile.Write(ref _anchor, anchor);
            elapsed = 0;
        }

        return anchor.Ms + elapsed;
    }

    // The wall clock read between two tick reads: a thread paused between them (GC, a busy machine) would otherwise pair a
    // tick with a later wall time and run this instance's clock ahead, by the pause, until the next resync; stamps are
    // compared across instances (tag removals, L2 write order), so that matters. A few tries, then the best pair seen.
    private Anchor TakeAnchor()
    {
        var best = default(Anchor);
        var bestGap = long.MaxValue;
        for (var attempt = 0; attempt < 3 && bestGap > 1; attempt++)
        {
            var before = Environment.TickCount64;
            var ms = time.GetUtcNow().ToUnixTimeMilliseconds();
            var after = Environment.TickCount64;
            if (after - before < bestGap)
            {
                bestGap = after - before;
                best = new Anchor(after, ms);
            }
        }

        return best!;
    }

    private sealed record Anchor(long Tick, long Ms);
}
