using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using Scalable.Sharding.Internal;
using Scalable.Sharding.Internal.Moves;

namespace Scalable.Sharding;

/// <summary>The Npgsql side of sharding: one pooled data source per shard and replica, connections for a key, and scatter-gather over every shard; <c>AddScalableSharding</c> registers the one instance.</summary>
public sealed partial class ShardedDatabase : IAsyncDisposable, IDisposable
{
    private readonly ShardMap _map;
    private readonly IDisposable? _settingsWatch;
    private ScalableShardingOptions _settings;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly DataSourceCache _dataSources;
    private readonly MoveObserver _moves;

    // Created by AddScalableSharding only (tests reach it through InternalsVisibleTo): the map, options monitor, time and
    // logger are the container's, and a public constructor taking them would be public only for tests. Reloads that fail
    // validation are ignored; the current options must be valid (OptionsValidationException otherwise).
    internal ShardedDatabase(ShardMap map, IOptionsMonitor<ScalableShardingOptions> options, TimeProvider? timeProvider = null, ILogger<ShardedDatabase>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(map);
        ArgumentNullException.ThrowIfNull(options);
        _map = map;

        // Keep the last valid settings: after a reload that fails validation the monitor throws on every read,
        // and that reload is rejected, so the settings in use stay those of the last accepted one (as the topology does).
        _settings = options.CurrentValue;
        _settingsWatch = options.OnChange((value, name) =>
        {
            if ((string.IsNullOrEmpty(name) || name == Options.DefaultName) && !ShardingOptionsValidation.Errors(value).Any())
            {
                Volatile.Write(ref _settings, value);
            }
        });
        _timeProvider = timeProvider ?? TimeProvider.System;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _dataSources = new DataSourceCache(() => Volatile.Read(ref _settings).ConfigureDataSource);
        _moves = new MoveObserver(() => _map.Current, (shard, token) => OpenConnectionAsync(shard, ShardAccess.Primary, token), () => Volatile.Read(ref _settings).MoveRefreshInterval, _timeProvider, _logger);
    }

    /// <summary>Gets the topology keys route by now: the configured one, or the target topology of a <see cref="ShardMove"/> once it has switched.</summary>
    public ShardTopology Topology => MoveSnapshot.Routing(_moves.Cached, _map.Current);

    /// <summary>Returns the pooled data source of a shard's primary, for use with any Npgsql-based library.</summary>
    /// <param name="shard">The shard.</param>
    /// <returns>The data source; owned by this object, do not dispose it.</returns>
    public NpgsqlDataSource GetDataSource(ShardDefinition shard)
    {
        ArgumentNullException.ThrowIfNull(shard);
        return _dataSources.Get(shard.ConnectionString, shard.Name);
    }

    /// <summary>Opens a connection to the shard that owns a string key (hash tags apply).</summary>
    /// <param name="key">The key.</param>
    /// <param name="access">Primary, or a read replica.</param>
    /// <param name="cancellationToken">Cancels the open.</param>
    /// <returns>An open connection; dispose it to return it to the pool.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> is null.</exception>
    public ValueTask<NpgsqlConnection> OpenConnectionAsync(string key, ShardAccess access = ShardAccess.Primary, CancellationToken cancellationToken = default) =>
        OpenOwnerAsync(t => t.GetShard(key), access, cancellationToken);

    /// <summary>Opens a connection to the shard that owns a GUID key.</summary>
    /// <param name="key">The key.</param>
    /// <param name="access">Primary, or a read replica.</param>
    /// <param name="cancellationToken">Cancels the open.</param>
    /// <returns>An open connection.</returns>
    public ValueTask<NpgsqlConnection> OpenConnectionAsync(Guid key, ShardAccess access = ShardAccess.Primary, CancellationToken cancellationToken = default) =>
        OpenOwnerAsync(t => t.GetShard(key), access, cancellationToken);

    /// <summary>Opens a connection to the shard that owns a 64-bit integer key.</summary>
    /// <param name="key">The key.</param>
    /// <param name="access">Primary, or a read replica.</param>
    /// <param name="cancellationToken">Cancels the open.</param>
    /// <returns>An open connection.</returns>
    public ValueTask<NpgsqlConnection> OpenConnectionAsync(long key, ShardAccess access = ShardAccess.Primary, CancellationToken cancellationToken = default) =>
        OpenOwnerAsync(t => t.GetShard(key), access, cancellationToken);

    /// <summary>Opens a connection to a given shard.</summary>
    /// <param name="shard">The shard.</param>
    /// <param name="access">Primary, or a read replica (one within the lag bound that answers, else the primary).</param>
    /// <param name="cancellationToken">Cancels the open.</param>
    /// <returns>An open connection.</returns>
    /// <exception cref="NpgsqlException">The shard (and, for replica reads, every replica) cannot be reached.</exception>
    public async ValueTask<NpgsqlConnection> OpenConnectionAsync(ShardDefinition shard, ShardAccess access = ShardAccess.Primary, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(shard);
        if (access == ShardAccess.ReadReplica && await OpenStandbyAsync(shard, ReadYourWritesToken.None, null, cancellationToken).ConfigureAwait(false) is { } standby)
        {
            return standby.Connection;
        }

        var primary = await _dataSources.Get(shard.ConnectionString, shard.Name).OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        Count(shard, "primary");
        return primary;
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        _settingsWatch?.Dispose();
        _replicaRouter?.Dispose();
        DisposeOwnMeter();
        return _dataSources.DisposeAsync();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _settingsWatch?.Dispose();
        _replicaRouter?.Dispose();
        DisposeOwnMeter();
        _dataSources.Dispose();
    }

    // A meter from the factory belongs to the container, which disposes it; one the database made is its own.
    private void DisposeOwnMeter()
    {
        if (MeterFactory is null)
        {
            Volatile.Read(ref _metrics)?.Meter.Dispose();
        }
    }

    private void Count(ShardDefinition shard, string access) =>
        Metrics.Operations.Add(1, new TagList { { "db.shard", shard.Name }, { "scalable.sharding.access", access } });
}
