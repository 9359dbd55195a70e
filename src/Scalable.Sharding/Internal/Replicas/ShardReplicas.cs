namespace Scalable.Sharding.Internal.Replicas;

// The standbys of one shard (as one topology version lists them), what is known of each, and the primary's WAL history.
internal sealed class ShardReplicas
{
    private int _cursor = -1;
    private int _primaryDown;

    public ShardReplicas(ShardDefinition shard)
    {
        Shard = shard.Name;
        Primary = shard.ConnectionString;
        Standbys = shard.ReadReplicas.Select((connectionString, index) => new StandbyState(index, connectionString)).ToArray();
    }

    public string Shard { get; }

    public string Primary { get; }

    public IReadOnlyList<StandbyState> Standbys { get; }

    public WalHistory History { get; } = new();

    public Task FirstProbe { get; set; } = Task.CompletedTask;

    public bool Matches(ShardDefinition shard) =>
        string.Equals(Primary, shard.ConnectionString, StringComparison.Ordinal)
        && Standbys.Select(s => s.ConnectionString).SequenceEqual(shard.ReadReplicas, StringComparer.Ordinal);

    // Round robin: each read starts at the next standby and walks on from there.
    public IEnumerable<StandbyState> InReadOrder()
    {
        var start = (int)((uint)Interlocked.Increment(ref _cursor) % (uint)Standbys.Count);
        for (var i = 0; i < Standbys.Count; i++)
        {
            yield return Standbys[(start + i) % Standbys.Count];
        }
    }

    public bool SetPrimaryDown(bool down) => Interlocked.Exchange(ref _primaryDown, down ? 1 : 0) != (down ? 1 : 0);
}
