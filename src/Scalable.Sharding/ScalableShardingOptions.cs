using Npgsql;

namespace Scalable.Sharding;

/// <summary>The shard map and the behaviour of the Npgsql integration, bindable from <c>IConfiguration</c> and reloadable at run time.</summary>
public sealed class ScalableShardingOptions
{
    /// <summary>Gets or sets the routing algorithm. <value>Default: <see cref="ShardRouterKind.HashRing"/>.</value></summary>
    public ShardRouterKind Router { get; set; } = ShardRouterKind.HashRing;

    /// <summary>Gets or sets the ring points per unit of shard weight for <see cref="ShardRouterKind.HashRing"/>. <value>Default: 160.</value></summary>
    public int PointsPerWeight { get; set; } = ShardRouters.DefaultPointsPerWeight;

    /// <summary>Gets the shards, in order (the order matters for <see cref="ShardRouterKind.JumpHash"/>: add new shards at the end). <value>Default: empty, which fails validation.</value></summary>
    public IList<ShardOptions> Shards { get; } = new List<ShardOptions>();

    /// <summary>Gets or sets how many shards a scatter-gather queries at the same time. <value>Default: 8.</value></summary>
    public int ScatterGatherParallelism { get; set; } = 8;

    /// <summary>Gets or sets how long one shard may take in a scatter-gather before it is reported as failed. <value>Default: 30 seconds.</value></summary>
    public TimeSpan ShardTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Gets how replica reads choose a standby: the lag bound, how often lag is measured, and the read-your-writes wait. <value>Default: see <see cref="ReplicaReadOptions"/>.</value></summary>
    public ReplicaReadOptions ReplicaReads { get; } = new();
    // The hook called once for each shard's data source with the shard name and its builder (set by ScalableShardingBuilder.ConfigureDataSource; a field, so the .NET 8 configuration binding generator does not try to bind a delegate).
    internal Action<string, NpgsqlDataSourceBuilder>? ConfigureDataSource;

    /// <summary>Gets or sets how old this process's view of running shard moves may get before a keyed operation reads it again from the first shard. <value>Default: 1 second.</value></summary>
    public TimeSpan MoveRefreshInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Gets or sets how long <see cref="ShardedDatabase.WriteAsync{T}(string, Func{NpgsqlConnection, CancellationToken, Task{T}}, CancellationToken)"/> waits for a move's cutover fence to lift before it throws <see cref="ShardMoveInProgressException"/>. <value>Default: 5 seconds.</value></summary>
    public TimeSpan MoveFenceWait { get; set; } = TimeSpan.FromSeconds(5);
}
