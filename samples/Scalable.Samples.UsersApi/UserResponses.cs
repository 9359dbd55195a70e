namespace Scalable.Samples.UsersApi;

/// <summary>The answer of GET /users/count.</summary>
/// <param name="Total">Users on the shards that answered.</param>
/// <param name="Complete">Whether every shard answered.</param>
/// <param name="Shards">Users per shard that answered.</param>
/// <param name="FailedShards">The shards that did not answer.</param>
public sealed record UserCount(long Total, bool Complete, IReadOnlyDictionary<string, long> Shards, IReadOnlyList<string> FailedShards);
