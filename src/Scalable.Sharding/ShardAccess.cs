namespace Scalable.Sharding;

/// <summary>Where a connection for a shard should go.</summary>
public enum ShardAccess
{
    /// <summary>The shard's primary: reads and writes.</summary>
    Primary = 0,

    /// <summary>One of the shard's read replicas (round robin), falling back to the next replica and then the primary when one is unavailable.</summary>
    ReadReplica = 1,
}
