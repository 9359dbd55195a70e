namespace Scalable.Sharding;

/// <summary>The outcome of a query run on every shard: the shards that answered and the shards that failed.</summary>
/// <typeparam name="T">The per-shard value type.</typeparam>
public sealed class ScatterGatherResult<T>
{
    /// <summary>Creates a result.</summary>
    /// <param name="results">The values of the shards that answered, in shard order.</param>
    /// <param name="failures">The shards that failed, in shard order.</param>
    /// <param name="topologyVersion">The topology version the query ran on.</param>
    public ScatterGatherResult(IReadOnlyList<ShardResult<T>> results, IReadOnlyList<ShardFailure> failures, long topologyVersion)
    {
        Results = results;
        Failures = failures;
        TopologyVersion = topologyVersion;
    }

    /// <summary>Gets the values of the shards that answered, in shard order.</summary>
    public IReadOnlyList<ShardResult<T>> Results { get; }

    /// <summary>Gets the shards that failed or timed out, in shard order.</summary>
    public IReadOnlyList<ShardFailure> Failures { get; }

    /// <summary>Gets the topology version the query ran on.</summary>
    public long TopologyVersion { get; }

    /// <summary>Gets whether every shard answered.</summary>
    public bool IsComplete => Failures.Count == 0;

    /// <summary>Returns this result when every shard answered, and throws otherwise: the one call for queries that need every shard.</summary>
    /// <returns>This result.</returns>
    /// <exception cref="ScatterGatherIncompleteException">At least one shard failed or timed out; the exception names each one.</exception>
    public ScatterGatherResult<T> ThrowIfIncomplete() => IsComplete ? this : throw new ScatterGatherIncompleteException(Failures);

    /// <summary>Gets the answered values, in shard order.</summary>
    public IEnumerable<T> Values => Results.Select(r => r.Value);

    /// <summary>Merges the answered values into one list, in shard order.</summary>
    /// <typeparam name="TItem">The item type.</typeparam>
    /// <param name="selector">Picks the items out of one shard's value.</param>
    /// <returns>All items of the shards that answered.</returns>
    public IReadOnlyList<TItem> Merge<TItem>(Func<T, IEnumerable<TItem>> selector)
    {
        ArgumentNullException.ThrowIfNull(selector);
        return Results.SelectMany(r => selector(r.Value)).ToList();
    }
}
