namespace Scalable.Sharding;

/// <summary>How reads with <see cref="ShardAccess.ReadReplica"/> or a <see cref="ReadYourWritesToken"/> choose among a shard's standbys; the same settings apply to every shard.</summary>
public sealed class ReplicaReadOptions
{
    /// <summary>Gets or sets the replay lag above which a standby gets no replica reads until it catches up. <value>Default: 5 seconds.</value></summary>
    public TimeSpan MaxLag { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Gets or sets how often each primary's WAL position and each standby's replay position are measured (the lag is known to within this interval). <value>Default: 1 second.</value></summary>
    public TimeSpan LagProbeInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Gets or sets how long a read with a token waits for a standby to replay the token's writes before it goes to the primary; zero goes to the primary at once. <value>Default: 100 milliseconds.</value></summary>
    public TimeSpan ReadYourWritesWait { get; set; } = TimeSpan.FromMilliseconds(100);
}
