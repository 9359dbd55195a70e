namespace Scalable.Sharding.Internal.Replicas;

// What the last probe (or read) learnt about one standby; read without locks on every replica read.
internal sealed class StandbyState(int index, string connectionString)
{
    private long _replayed;
    private long _lagTicks;
    private int _available = 1;
    private int _lagging;

    public int Index { get; } = index;

    public string ConnectionString { get; } = connectionString;

    public string Tag { get; } = index.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public ulong Replayed => (ulong)Interlocked.Read(ref _replayed);

    public TimeSpan Lag => TimeSpan.FromTicks(Interlocked.Read(ref _lagTicks));

    public bool Available => Volatile.Read(ref _available) == 1;

    // Replay only moves forward, so a newer reading never lowers what is known (a promoted standby restarts counting
    // from its own position, which is at least what it had replayed).
    public void Observe(ulong replayed)
    {
        long known;
        do
        {
            known = Interlocked.Read(ref _replayed);
            if ((ulong)known >= replayed)
            {
                return;
            }
        }
        while (Interlocked.CompareExchange(ref _replayed, (long)replayed, known) != known);
    }

    public void SetLag(TimeSpan lag) => Interlocked.Exchange(ref _lagTicks, lag.Ticks);

    // Each returns whether the state changed, so transitions are logged once.
    public bool SetAvailable(bool available) => Interlocked.Exchange(ref _available, available ? 1 : 0) != (available ? 1 : 0);

    public bool SetLagging(bool lagging) => Interlocked.Exchange(ref _lagging, lagging ? 1 : 0) != (lagging ? 1 : 0);
}
