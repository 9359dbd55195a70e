using System.Collections.Concurrent;
using System.Diagnostics;
using Npgsql;
using Scalable.Sharding.Internal;

namespace Scalable.Sharding;

/// <summary>Scatter-gather: one query on every shard, bounded parallelism, a timeout per shard, partial results.</summary>
public sealed partial class ShardedDatabase
{
    /// <summary>Runs a query on every shard of the current topology and returns each shard's value, naming the shards that failed instead of failing the whole call.</summary>
    /// <typeparam name="T">The per-shard value type.</typeparam>
    /// <param name="query">The query for one shard, given an open connection, the shard, and a token that fires at the shard timeout.</param>
    /// <param name="access">Primary, or read replicas.</param>
    /// <param name="cancellationToken">Cancels the whole call.</param>
    /// <returns>The values of the shards that answered and the failures of the others.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task<ScatterGatherResult<T>> ScatterGatherAsync<T>(
        Func<NpgsqlConnection, ShardDefinition, CancellationToken, Task<T>> query,
        ShardAccess access = ShardAccess.Primary,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var topology = Topology;
        var options = Volatile.Read(ref _settings);
        var started = _timeProvider.GetTimestamp();
        using var activity = ShardingTelemetry.ActivitySource.HasListeners() ? ShardingTelemetry.ActivitySource.StartActivity("scatter_gather") : null;
        var results = new ShardResult<T>?[topology.Shards.Count];
        var failures = new ConcurrentBag<(int Index, ShardFailure Failure)>();
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = options.ScatterGatherParallelism, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(Enumerable.Range(0, topology.Shards.Count), parallel, async (index, token) =>
        {
            var shard = topology.Shards[index];
            try
            {
                results[index] = new ShardResult<T>(shard.Name, await QueryShardAsync(shard, query, access, options.ShardTimeout, token).ConfigureAwait(false));
            }
            catch (Exception ex) when (!token.IsCancellationRequested)
            {
                Log.ScatterGatherShardFailed(_logger, shard.Name, ex);
                Metrics.ScatterGatherFailures.Add(1, new KeyValuePair<string, object?>("db.shard", shard.Name));
                failures.Add((index, new ShardFailure(shard.Name, ex)));
            }
        }).ConfigureAwait(false);

        var elapsed = _timeProvider.GetElapsedTime(started);
        Metrics.ScatterGatherDuration.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("scalable.sharding.complete", failures.IsEmpty));
        activity?.SetTag("scalable.sharding.failed_shards", failures.Count);
        return new ScatterGatherResult<T>(
            results.Where(r => r is not null).Select(r => r!).ToList(),
            failures.OrderBy(f => f.Index).Select(f => f.Failure).ToList(),
            topology.Version);
    }

    private async Task<T> QueryShardAsync<T>(
        ShardDefinition shard,
        Func<NpgsqlConnection, ShardDefinition, CancellationToken, Task<T>> query,
        ShardAccess access,
        TimeSpan timeout,
        CancellationToken cancellationToken)
    {
        using var timeoutSource = new CancellationTokenSource(timeout, _timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeoutSource.Token);
        try
        {
            await using var connection = await OpenConnectionAsync(shard, access, linked.Token).ConfigureAwait(false);
            return await query(connection, shard, linked.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (timeoutSource.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"Shard '{shard.Name}' did not answer within {timeout.TotalSeconds:0.###} s (ScalableShardingOptions.ShardTimeout).", ex);
        }
    }
}
