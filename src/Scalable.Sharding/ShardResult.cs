namespace Scalable.Sharding;

/// <summary>The value one shard returned in a scatter-gather.</summary>
/// <typeparam name="T">The value type.</typeparam>
/// <param name="ShardName">The shard's name.</param>
/// <param name="Value">The value the query returned on that shard.</param>
public sealed record ShardResult<T>(string ShardName, T Value);
