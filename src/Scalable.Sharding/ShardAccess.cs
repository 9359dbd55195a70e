namespace Scalable.Sharding;

/// <summary>Where a connection for a shard should go.</summary>
public enum ShardAccess
{
    /// <summary>The shard's primary: reads and writes.</summary>
    Primary = 0,

    /// <summary>One of the shard's read replicas (round robin) whose replay lag is within <see cref="ReplicaReadOptions.MaxLag"/> and that answers, else the primary; it may miss recent writes (see <see cref="ReadYourWritesToken"/>).</summary>
    ReadReplica = 1,
}
