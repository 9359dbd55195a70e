namespace Scalable.Sharding;

/// <summary>Thrown by <see cref="ScatterGatherResult{T}.ThrowIfIncomplete"/> when at least one shard failed or timed out; the inner exceptions are the shards' errors.</summary>
public sealed class ScatterGatherIncompleteException : AggregateException
{
    /// <summary>Creates the exception from the shards that failed.</summary>
    /// <param name="failures">The failed shards, in shard order.</param>
    public ScatterGatherIncompleteException(IReadOnlyList<ShardFailure> failures)
        : base(Describe(failures), (failures ?? throw new ArgumentNullException(nameof(failures))).Select(f => f.Exception))
    {
        Failures = failures;
    }

    /// <summary>Gets the shards that failed or timed out, in shard order.</summary>
    public IReadOnlyList<ShardFailure> Failures { get; }

    private static string Describe(IReadOnlyList<ShardFailure> failures) =>
        $"The scatter-gather is incomplete: {failures.Count} shard(s) did not answer ({string.Join(", ", failures.Select(f => $"{f.ShardName}: {f.Exception.Message}"))}). " +
        "Retry the call, or use the partial result through Results and Failures.";
}
