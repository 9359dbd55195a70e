using System.Data;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Scalable.Sharding.Internal.Replicas;

// Chooses the standby for a replica read: within the lag bound, answering, and, for a read with a token, past the
// token's position (or, after a bounded wait, nobody: the caller reads on the primary).
internal sealed class ReplicaRouter(
    DataSourceCache dataSources, ReplicaLagMonitor monitor, Func<ReplicaReadOptions> options, TimeProvider timeProvider, ILogger logger, ReplicaTelemetry telemetry) : IDisposable
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(5);

    // Returns an open connection to a standby, or null when the read must go to the primary.
    public async ValueTask<StandbyConnection?> OpenAsync(ShardDefinition shard, ulong? position, IReadOnlyCollection<int>? exclude, CancellationToken cancellationToken)
    {
        var replicas = await monitor.GetAsync(shard, cancellationToken).ConfigureAwait(false);
        var settings = options();
        List<StandbyConnection>? behind = null;
        StandbyConnection? chosen = null;
        try
        {
            foreach (var standby in replicas.InReadOrder())
            {
                if (exclude?.Contains(standby.Index) == true)
                {
                    continue;
                }

                if (!standby.Available || standby.Lag > settings.MaxLag)
                {
                    telemetry.Skipped(shard.Name, standby, standby.Available ? "lag" : "unavailable");
                    continue;
                }

                if (await TryOpenAsync(replicas, standby, cancellationToken).ConfigureAwait(false) is not { } candidate)
                {
                    continue;
                }

                if (position is null || standby.Replayed >= position || await HasReplayedAsync(replicas, candidate, position.Value, cancellationToken).ConfigureAwait(false))
                {
                    chosen = candidate;
                    Outcome(shard, position, "standby");
                    return candidate;
                }

                telemetry.Skipped(shard.Name, standby, "behind_token");
                (behind ??= []).Add(candidate);
            }

            if (behind is not null && position is not null)
            {
                chosen = await WaitForReplayAsync(replicas, behind, position.Value, settings.ReadYourWritesWait, cancellationToken).ConfigureAwait(false);
                if (chosen is not null)
                {
                    Outcome(shard, position, "waited");
                    return chosen;
                }
            }

            if (position is not null)
            {
                Outcome(shard, position, "primary");
                Log.ReadYourWritesOnPrimary(logger, shard.Name, position.Value);
            }

            return null;
        }
        finally
        {
            foreach (var other in behind ?? [])
            {
                if (!ReferenceEquals(other, chosen))
                {
                    await other.Connection.DisposeAsync().ConfigureAwait(false);
                }
            }
        }
    }

    // A read that lost its connection (the standby stopped, crashed or cancelled it for a recovery conflict) can be
    // run again elsewhere: reads change nothing.
    public static bool IsRetryable(Exception exception, NpgsqlConnection connection) =>
        connection.FullState.HasFlag(ConnectionState.Broken)
        || exception is NpgsqlException { IsTransient: true } or SocketException or IOException
        || exception is PostgresException { SqlState: "57P01" or "57P02" or "57P03" or "40001" };

    public void MarkDown(ShardDefinition shard, StandbyConnection standby, Exception exception)
    {
        Log.ReplicaReadRetried(logger, shard.Name, standby.Standby.Index, exception);
        telemetry.Skipped(shard.Name, standby.Standby, "failed");
        monitor.MarkDown(standby.Replicas, standby.Standby, exception);
    }

    public void Dispose() => monitor.Dispose();

    private static bool IsUnavailable(Exception ex) => ex is NpgsqlException or SocketException or TimeoutException;

    private async ValueTask<StandbyConnection?> TryOpenAsync(ShardReplicas replicas, StandbyState standby, CancellationToken cancellationToken)
    {
        try
        {
            var connection = await dataSources.Get(standby.ConnectionString, replicas.Shard).OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            return new StandbyConnection(connection, replicas, standby);
        }
        catch (Exception ex) when (IsUnavailable(ex) && !cancellationToken.IsCancellationRequested)
        {
            Log.ReplicaUnavailable(logger, replicas.Shard, standby.Index, ex);
            monitor.MarkDown(replicas, standby, ex);
            return null;
        }
    }

    private async ValueTask<bool> HasReplayedAsync(ShardReplicas replicas, StandbyConnection candidate, ulong position, CancellationToken cancellationToken)
    {
        try
        {
            var replayed = await WalPositions.ReadAsync(candidate.Connection, WalPositions.Replayed, cancellationToken).ConfigureAwait(false);
            candidate.Standby.Observe(replayed);
            return replayed >= position;
        }
        catch (Exception ex) when (IsUnavailable(ex) && !cancellationToken.IsCancellationRequested)
        {
            monitor.MarkDown(replicas, candidate.Standby, ex);
            return false;
        }
    }

    private async ValueTask<StandbyConnection?> WaitForReplayAsync(ShardReplicas replicas, List<StandbyConnection> behind, ulong position, TimeSpan wait, CancellationToken cancellationToken)
    {
        var deadline = timeProvider.GetTimestamp() + (long)(wait.TotalSeconds * timeProvider.TimestampFrequency);
        while (timeProvider.GetTimestamp() < deadline)
        {
            await Task.Delay(PollInterval, timeProvider, cancellationToken).ConfigureAwait(false);
            foreach (var candidate in behind)
            {
                if (candidate.Standby.Available && await HasReplayedAsync(replicas, candidate, position, cancellationToken).ConfigureAwait(false))
                {
                    return candidate;
                }
            }
        }

        return null;
    }

    private void Outcome(ShardDefinition shard, ulong? position, string outcome)
    {
        if (position is not null)
        {
            telemetry.ReadYourWrites(shard.Name, outcome);
        }
    }
}
