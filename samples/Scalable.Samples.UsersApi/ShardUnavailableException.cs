namespace Scalable.Samples.UsersApi;

/// <summary>The shard that holds the requested user cannot be reached now (down, or its breaker is open); answered as 503 with Retry-After.</summary>
internal sealed class ShardUnavailableException(string shard, TimeSpan retryAfter, Exception inner)
    : Exception($"Shard {shard} is unavailable; retry after {retryAfter.TotalSeconds:0.#} s.", inner)
{
    public string Shard { get; } = shard;

    public TimeSpan RetryAfter { get; } = retryAfter;
}
