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
    public Task<ScatterGatherResult<T>> ScatterGatherAsync<T>(
        Func<NpgsqlConnection, ShardDefinition, CancellationToken, Task<T>> query,
        ShardAccess access = ShardAccess.Primary,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        return ScatterGatherCoreAsync(
            async (shard, token) =>
            {
                await using var connection = await OpenConnectionAsync(shard, access, token).ConfigureAwait(false);
                return await query(connection, shard, token).ConfigureAwait(false);
            },
            cancellationToken);
    }

    /// <summary>Runs a read-only query on every shard, each on a standby that has replayed the token's writes to that shard (else its primary), and returns each shard's value, naming the shards that failed.</summary>
    /// <typeparam name="T">The per-shard value type.</typeparam>
    /// <param name="query">The query for one shard, given an open connection, the shard, and a token that fires at the shard timeout; it may run more than once (on another standby or the primary when a standby fails mid-read), so it must not write.</param>
    /// <param name="token">The token of earlier writes the reads must see; shards it does not name are read as <see cref="ShardAccess.ReadReplica"/> reads are.</param>
    /// <param name="cancellationToken">Cancels the whole call.</param>
    /// <returns>The values of the shards that answered and the failures of the others.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public Task<ScatterGatherResult<T>> ScatterGatherAsync<T>(
        Func<NpgsqlConnection, ShardDefinition, CancellationToken, Task<T>> query,
        ReadYourWritesToken token,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        return ScatterGatherCoreAsync((shard, ct) => ReadAsync(shard, (connection, readToken) => query(connection, shard, readToken), token, ct), cancellationToken);
    }

    private async Task<ScatterGatherResult<T>> ScatterGatherCoreAsync<T>(Func<ShardDefinition, CancellationToken, Task<T>> queryShard, CancellationToken cancellationToken)
    {
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
                results[index] = new ShardResult<T>(shard.Name, await QueryShardAsync(shard, queryShard, options.ShardTimeout, token).ConfigureAwait(false));
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
        Func<ShardDefinition, CancellationToken, Task<T>> queryShard,
        TimeSpan timeout,
        CancellationToken cancellationToken)
    {
        using var timeoutSource = new CancellationTokenSource(timeout, _timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeoutSource.Token);
        try
        {
            return await queryShard(shard, linked.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (timeoutSource.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"Shard '{shard.Name}' did not answer within {timeout.TotalSeconds:0.###} s (ScalableShardingOptions.ShardTimeout).", ex);
        }
    }
}
