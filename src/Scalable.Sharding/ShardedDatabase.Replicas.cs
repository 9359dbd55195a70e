using System.Diagnostics.Metrics;
using Npgsql;
using Scalable.Sharding.Internal;
using Scalable.Sharding.Internal.Replicas;

namespace Scalable.Sharding;

// Read replicas: lag-aware standby choice, read-your-writes tokens, and reads retried elsewhere when a standby fails.
public sealed partial class ShardedDatabase
{
    private readonly object _replicaGate = new();
    private ReplicaRouter? _replicaRouter;

    private ShardingMetrics? _metrics;

    /// <summary>Gets or sets the meter factory for the package's instruments (set by <c>AddScalableSharding</c>); without one the database owns its meter.</summary>
    internal IMeterFactory? MeterFactory { get; init; }

    /// <summary>Gets the package's instruments, on the container's meter when there is a factory.</summary>
    internal ShardingMetrics Metrics
    {
        get
        {
            if (Volatile.Read(ref _metrics) is { } metrics)
            {
                return metrics;
            }

            lock (_replicaGate)
            {
                // The meter is made once, at first use, after the init-only MeterFactory is set.
                return _metrics ??= new ShardingMetrics(MeterFactory?.Create(ShardingTelemetry.Name) ?? new Meter(ShardingTelemetry.Name));
            }
        }
    }

    private ReplicaRouter Replicas
    {
        get
        {
            if (Volatile.Read(ref _replicaRouter) is { } router)
            {
                return router;
            }

            lock (_replicaGate)
            {
                if (_replicaRouter is null)
                {
                    var telemetry = new ReplicaTelemetry(Metrics.Meter);
                    ReplicaReadOptions Options() => Volatile.Read(ref _settings).ReplicaReads;
                    var monitor = new ReplicaLagMonitor(_dataSources, () => _map.Current, Options, _timeProvider, _logger, telemetry);
                    Volatile.Write(ref _replicaRouter, new ReplicaRouter(_dataSources, monitor, Options, _timeProvider, _logger, telemetry));
                }

                return _replicaRouter!;
            }
        }
    }

    /// <summary>Returns a token for everything committed so far on the primary of the shard that owns a key; take it after your write commits.</summary>
    /// <param name="key">The key that was written (hash tags apply).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A token that later reads carry to see the write.</returns>
    /// <exception cref="NpgsqlException">The shard's primary cannot be reached.</exception>
    public ValueTask<ReadYourWritesToken> GetReadYourWritesTokenAsync(string key, CancellationToken cancellationToken = default) =>
        GetReadYourWritesTokenAsync(Topology.GetShard(key), cancellationToken);

    /// <summary>Returns a token for everything committed so far on a shard's primary; take it after your write commits.</summary>
    /// <param name="shard">The shard that was written.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A token that later reads carry to see the write.</returns>
    /// <exception cref="NpgsqlException">The shard's primary cannot be reached.</exception>
    public async ValueTask<ReadYourWritesToken> GetReadYourWritesTokenAsync(ShardDefinition shard, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(shard);
        await using var connection = await OpenConnectionAsync(shard, ShardAccess.Primary, cancellationToken).ConfigureAwait(false);
        return await GetReadYourWritesTokenAsync(connection, shard, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Returns a token for everything committed so far on a shard's primary, on a connection to it that is already open (for example the one that just committed the write).</summary>
    /// <param name="primaryConnection">An open connection to the shard's primary, outside a transaction or after its commit.</param>
    /// <param name="shard">The shard the connection belongs to.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A token that later reads carry to see the write.</returns>
    /// <exception cref="PostgresException">The connection is to a standby (recovery is in progress).</exception>
    public async ValueTask<ReadYourWritesToken> GetReadYourWritesTokenAsync(NpgsqlConnection primaryConnection, ShardDefinition shard, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(primaryConnection);
        ArgumentNullException.ThrowIfNull(shard);
        var position = await WalPositions.ReadAsync(primaryConnection, WalPositions.AfterCommit, cancellationToken).ConfigureAwait(false);
        return ReadYourWritesToken.For(shard.Name, position);
    }

    /// <summary>Opens a connection for reading a key that sees the writes a token names: a standby within the lag bound that has replayed them, after waiting at most <see cref="ReplicaReadOptions.ReadYourWritesWait"/>, else the primary.</summary>
    /// <param name="key">The key (hash tags apply).</param>
    /// <param name="token">The token of earlier writes; <see cref="ReadYourWritesToken.None"/> reads like <see cref="ShardAccess.ReadReplica"/>.</param>
    /// <param name="cancellationToken">Cancels the open.</param>
    /// <returns>An open connection; dispose it to return it to the pool.</returns>
    /// <exception cref="NpgsqlException">No standby qualifies and the primary cannot be reached.</exception>
    public ValueTask<NpgsqlConnection> OpenReadConnectionAsync(string key, ReadYourWritesToken token, CancellationToken cancellationToken = default) =>
        OpenReadConnectionAsync(Topology.GetShard(key), token, cancellationToken);

    /// <summary>Opens a connection for reading a shard that sees the writes a token names: a standby within the lag bound that has replayed them, after waiting at most <see cref="ReplicaReadOptions.ReadYourWritesWait"/>, else the primary.</summary>
    /// <param name="shard">The shard.</param>
    /// <param name="token">The token of earlier writes; <see cref="ReadYourWritesToken.None"/> reads like <see cref="ShardAccess.ReadReplica"/>.</param>
    /// <param name="cancellationToken">Cancels the open.</param>
    /// <returns>An open connection; dispose it to return it to the pool.</returns>
    /// <exception cref="NpgsqlException">No standby qualifies and the primary cannot be reached.</exception>
    public async ValueTask<NpgsqlConnection> OpenReadConnectionAsync(ShardDefinition shard, ReadYourWritesToken token, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(shard);
        if (await OpenStandbyAsync(shard, token, null, cancellationToken).ConfigureAwait(false) is { } standby)
        {
            return standby.Connection;
        }

        return await OpenConnectionAsync(shard, ShardAccess.Primary, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Runs a read for a key on a standby (within the lag bound and past the token), retrying it on another standby or the primary if the standby's connection fails mid-read.</summary>
    /// <typeparam name="T">The result type.</typeparam>
    /// <param name="key">The key (hash tags apply).</param>
    /// <param name="read">The read; it may run more than once, so it must not write.</param>
    /// <param name="token">The token of earlier writes the read must see, or <see cref="ReadYourWritesToken.None"/>.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The read's result.</returns>
    /// <exception cref="NpgsqlException">The read failed on the primary too.</exception>
    public Task<T> ReadAsync<T>(string key, Func<NpgsqlConnection, CancellationToken, Task<T>> read, ReadYourWritesToken token = default, CancellationToken cancellationToken = default) =>
        ReadAsync(Topology.GetShard(key), read, token, cancellationToken);

    /// <summary>Runs a read on a shard's standby (within the lag bound and past the token), retrying it on another standby or the primary if the standby's connection fails mid-read.</summary>
    /// <typeparam name="T">The result type.</typeparam>
    /// <param name="shard">The shard.</param>
    /// <param name="read">The read; it may run more than once, so it must not write.</param>
    /// <param name="token">The token of earlier writes the read must see, or <see cref="ReadYourWritesToken.None"/>.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The read's result.</returns>
    /// <exception cref="NpgsqlException">The read failed on the primary too.</exception>
    public async Task<T> ReadAsync<T>(ShardDefinition shard, Func<NpgsqlConnection, CancellationToken, Task<T>> read, ReadYourWritesToken token = default, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(shard);
        ArgumentNullException.ThrowIfNull(read);
        var failed = new List<int>();
        while (await OpenStandbyAsync(shard, token, failed, cancellationToken).ConfigureAwait(false) is { } standby)
        {
            try
            {
                await using (standby.Connection.ConfigureAwait(false))
                {
                    return await read(standby.Connection, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ReplicaRouter.IsRetryable(ex, standby.Connection))
            {
                Replicas.MarkDown(shard, standby, ex);
                failed.Add(standby.Standby.Index);
            }
        }

        var primary = await OpenConnectionAsync(shard, ShardAccess.Primary, cancellationToken).ConfigureAwait(false);
        await using (primary.ConfigureAwait(false))
        {
            return await read(primary, cancellationToken).ConfigureAwait(false);
        }
    }

    private async ValueTask<StandbyConnection?> OpenStandbyAsync(ShardDefinition shard, ReadYourWritesToken token, IReadOnlyCollection<int>? exclude, CancellationToken cancellationToken)
    {
        if (shard.ReadReplicas.Count == 0)
        {
            return null;
        }

        var standby = await Replicas.OpenAsync(shard, token.PositionFor(shard.Name), exclude, cancellationToken).ConfigureAwait(false);
        if (standby is not null)
        {
            Count(shard, "replica");
        }

        return standby;
    }
}
