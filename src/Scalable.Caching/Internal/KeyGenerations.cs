namespace Scalable.Caching.Internal;

// A change counter per key, striped by hash: a set or removal here, or another instance's notice of one, bumps it.
// A value read from L2 or computed is stored only if its key's counter has not moved since the read or the
// factory started, so a value from before a change never lands after it. Keys share stripes: a change of one key
// can keep another key's value from being stored (its callers still get it), never the other way round.
internal sealed class KeyGenerations
{
    private const int Stripes = 4096;
    private readonly long[] _counters = new long[Stripes];

    public long Current(string key) => Volatile.Read(ref _counters[Index(key)]);

    public void Bump(string key) => Interlocked.Increment(ref _counters[Index(key)]);

    private static int Index(string key) => StringComparer.Ordinal.GetHashCode(key) & (Stripes - 1);
}
