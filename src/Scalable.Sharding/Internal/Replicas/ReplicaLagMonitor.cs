using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Scalable.Sharding.Internal.Replicas;

// Measures, for every shard that has served a replica read, the primary's WAL position and each standby's replay
// position once per LagProbeInterval, so replica reads choose from cached lag instead of asking on every read.
internal sealed class ReplicaLagMonitor(
    DataSourceCache dataSources,
    Func<ShardTopology> topology,
    Func<ReplicaReadOptions> options,
    TimeProvider timeProvider,
    ILogger logger,
    ReplicaTelemetry telemetry) : IDisposable
{
    private readonly ConcurrentDictionary<string, ShardReplicas> _shards = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private readonly object _gate = new();
    private Task? _loop;

    public async ValueTask<ShardReplicas> GetAsync(ShardDefinition shard, CancellationToken cancellationToken)
    {
        if (!_shards.TryGetValue(shard.Name, out var replicas) || !replicas.Matches(shard))
        {
            lock (_gate)
            {
                ObjectDisposedException.ThrowIf(_stopping.IsCancellationRequested, this);
                if (!_shards.TryGetValue(shard.Name, out replicas) || !replicas.Matches(shard))
                {
                    // The first reads of a shard wait for one probe, so they never choose on lag nobody measured.
                    var added = new ShardReplicas(shard);
                    added.FirstProbe = Task.Run(() => ProbeAsync(added, _stopping.Token));
                    _shards[shard.Name] = replicas = added;
                }

                _loop ??= Task.Run(() => LoopAsync(_stopping.Token));
            }
        }

        await replicas.FirstProbe.WaitAsync(cancellationToken).ConfigureAwait(false);
        return replicas;
    }

    public void MarkDown(ShardReplicas replicas, StandbyState standby, Exception exception)
    {
        if (standby.SetAvailable(false))
        {
            Log.StandbyDown(logger, replicas.Shard, standby.Index, exception);
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            // Not disposed: a probe still running reads the token; the source holds no timer, so nothing leaks.
            _stopping.Cancel();
        }
    }

    private async Task LoopAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(options().LagProbeInterval, timeProvider, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            // Shards that a topology swap removed, or whose standbys changed, are no longer probed.
            var current = topology();
            foreach (var (name, replicas) in _shards)
            {
                if (!current.Shards.Any(s => replicas.Matches(s) && string.Equals(s.Name, name, StringComparison.Ordinal)))
                {
                    _shards.TryRemove(new KeyValuePair<string, ShardReplicas>(name, replicas));
                }
            }

            await Task.WhenAll(_shards.Values.Select(s => ProbeAsync(s, stopping))).ConfigureAwait(false);
        }
    }

    private async Task ProbeAsync(ShardReplicas replicas, CancellationToken stopping)
    {
        var settings = options();
        try
        {
            // A frozen server must not hold up the next probes for long.
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stopping);
            timeout.CancelAfter(TimeSpan.FromTicks(Math.Max(settings.LagProbeInterval.Ticks * 3, TimeSpan.FromSeconds(5).Ticks)));
            await ProbePrimaryAsync(replicas, timeout.Token, stopping).ConfigureAwait(false);
            await Task.WhenAll(replicas.Standbys.Select(s => ProbeStandbyAsync(replicas, s, settings, timeout.Token, stopping))).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
        catch (ObjectDisposedException) when (stopping.IsCancellationRequested)
        {
        }
    }

    private async Task ProbePrimaryAsync(ShardReplicas replicas, CancellationToken token, CancellationToken stopping)
    {
        try
        {
            await using var connection = await dataSources.Get(replicas.Primary).OpenConnectionAsync(token).ConfigureAwait(false);
            replicas.History.Add(timeProvider.GetUtcNow(), await WalPositions.ReadAsync(connection, WalPositions.Written, token).ConfigureAwait(false));
            replicas.SetPrimaryDown(false);
        }
        catch (Exception ex) when (!stopping.IsCancellationRequested)
        {
            if (replicas.SetPrimaryDown(true))
            {
                Log.PrimaryProbeFailed(logger, replicas.Shard, ex);
            }
        }
    }

    private async Task ProbeStandbyAsync(ShardReplicas replicas, StandbyState standby, ReplicaReadOptions settings, CancellationToken token, CancellationToken stopping)
    {
        try
        {
            await using var connection = await dataSources.Get(standby.ConnectionString, replicas.Shard).OpenConnectionAsync(token).ConfigureAwait(false);
            var replayed = await WalPositions.ReadAsync(connection, WalPositions.Replayed, token).ConfigureAwait(false);
            standby.Observe(replayed);
            var lag = replicas.History.LagOf(replayed, timeProvider.GetUtcNow());
            standby.SetLag(lag);
            telemetry.Lag(replicas.Shard, standby, lag);
            if (standby.SetAvailable(true))
            {
                Log.StandbyUp(logger, replicas.Shard, standby.Index);
            }

            var lagging = lag > settings.MaxLag;
            if (standby.SetLagging(lagging))
            {
                if (lagging)
                {
                    Log.StandbyLagging(logger, replicas.Shard, standby.Index, (long)lag.TotalMilliseconds, (long)settings.MaxLag.TotalMilliseconds);
                }
                else
                {
                    Log.StandbyCaughtUp(logger, replicas.Shard, standby.Index, (long)lag.TotalMilliseconds);
                }
            }
        }
        catch (Exception ex) when (!stopping.IsCancellationRequested)
        {
            MarkDown(replicas, standby, ex);
        }
    }
}
