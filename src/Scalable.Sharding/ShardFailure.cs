namespace Scalable.Sharding;

/// <summary>A shard that failed or timed out in a scatter-gather.</summary>
/// <param name="ShardName">The shard's name.</param>
/// <param name="Exception">What went wrong (a <see cref="TimeoutException"/> when the shard timed out).</param>
public sealed record ShardFailure(string ShardName, Exception Exception);
