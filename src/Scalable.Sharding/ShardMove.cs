using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Scalable.Sharding.Internal;
using Scalable.Sharding.Internal.Moves;
using Scalable.Sharding.Internal.Resharding;
using Scalable.Sharding.Internal.Routing;

namespace Scalable.Sharding;

/// <summary>
/// Moves the rows whose owner changes from one topology to the next while the application keeps writing through
/// <see cref="ShardedDatabase"/>: copy with change capture, catch up, a short write fence on the moving keys at cutover,
/// the switch of routing in every process (recorded on the first shard), then removal of the old copies. One mover per
/// move; a restarted mover continues from the recorded progress.
/// </summary>
public sealed partial class ShardMove
{
    private readonly ShardedDatabase _database;
    private readonly ShardMoveOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly ReshardingTable[] _tables;
    private readonly Dictionary<string, RowCopier> _copiers;
    private readonly Dictionary<string, KeyColumn> _keyColumns = new(StringComparer.Ordinal);
    private IProgress<ShardMoveProgress>? _progress;
    private ShardMovePhase _phase;
    private long _rowsCopied;
    private long _rowsVerified;
    private long _copiedThisRun;
    private long _rowsToScan;
    private long _rowsScanned;
    private int _rangesDone;
    private long _started;

    /// <summary>Creates a move from one topology to the next for a set of tables that share the shard key.</summary>
    /// <param name="database">The application's sharded database; its first shard holds the move record.</param>
    /// <param name="from">The topology the rows are laid out by now (the configured one).</param>
    /// <param name="to">The topology they must be laid out by; a higher version, with the same first shard.</param>
    /// <param name="tables">The tables to move, each with its shard key column; they move and switch together.</param>
    /// <param name="options">Batch size, cutover and wait settings.</param>
    /// <param name="timeProvider">The time source for waits and rates.</param>
    /// <param name="logger">The logger.</param>
    /// <exception cref="ArgumentException">No tables, a repeated table, a batch size below 1, a version that is not higher, or a different first shard.</exception>
    public ShardMove(
        ShardedDatabase database,
        ShardTopology from,
        ShardTopology to,
        IEnumerable<ReshardingTable> tables,
        ShardMoveOptions? options = null,
        TimeProvider? timeProvider = null,
        ILogger<ShardMove>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(to);
        ArgumentNullException.ThrowIfNull(tables);
        _options = options ?? new ShardMoveOptions();
        _tables = tables.ToArray();
        if (_tables.Length == 0 || _tables.Select(t => t.Name).Distinct(StringComparer.Ordinal).Count() != _tables.Length)
        {
            throw new ArgumentException("Give at least one table, each once.", nameof(tables));
        }

        if (_options.BatchSize < 1)
        {
            throw new ArgumentException($"ShardMoveOptions.BatchSize must be at least 1 (was {_options.BatchSize}).", nameof(options));
        }

        if (to.Version <= from.Version)
        {
            throw new ArgumentException($"The target topology's version ({to.Version}) must be higher than the current one's ({from.Version}).", nameof(to));
        }

        if (from.Shards[0].Name != to.Shards[0].Name)
        {
            throw new ArgumentException($"Both topologies must keep shard '{from.Shards[0].Name}' first: every process reads the move record from the first shard.", nameof(to));
        }

        _database = database;
        _timeProvider = timeProvider ?? TimeProvider.System;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _copiers = _tables.ToDictionary(t => t.Name, t => new RowCopier(t), StringComparer.Ordinal);
        From = from;
        To = to;
        var text = $"move|{string.Join(',', _tables.Select(t => $"{t.Name}.{t.KeyColumn}"))}|{from.Describe()}|{to.Describe()}|{to.Version}";
        MoveId = XxHash64.Hash(Encoding.UTF8.GetBytes(text)).ToString("x16", CultureInfo.InvariantCulture);
    }

    /// <summary>Gets the move's identifier, the same in every process and run.</summary>
    public string MoveId { get; }

    /// <summary>Gets the topology the rows are moved from.</summary>
    public ShardTopology From { get; }

    /// <summary>Gets the topology the rows are moved to.</summary>
    public ShardTopology To { get; }

    /// <summary>Runs the move to the end, or continues it from its recorded progress after an interruption.</summary>
    /// <param name="progress">Told after each batch and phase change.</param>
    /// <param name="cancellationToken">Stops the move after the current step; a later run continues it.</param>
    /// <returns>What the move did.</returns>
    /// <exception cref="InvalidOperationException">Another mover is running this move.</exception>
    /// <exception cref="ReshardingVerificationException">A batch did not verify on its target; nothing of it was committed there.</exception>
    /// <exception cref="TimeoutException">In-flight writes kept the cutover from fencing the moving keys after several attempts; run again.</exception>
    /// <exception cref="NpgsqlException">A shard could not be reached; run again once it is back.</exception>
    public async Task<ShardMoveReport> RunAsync(IProgress<ShardMoveProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        _progress = progress;
        _started = _timeProvider.GetTimestamp();
        await using var coordination = await _database.OpenConnectionAsync(From.Shards[0], ShardAccess.Primary, cancellationToken).ConfigureAwait(false);
        await MoveStore.EnsureAsync(coordination, cancellationToken).ConfigureAwait(false);
        if (!await MoveStore.TryLockMoverAsync(coordination, MoveId, cancellationToken).ConfigureAwait(false))
        {
            Log.MoverRejected(_logger, MoveId);
            throw new InvalidOperationException(
                $"Shard move {MoveId} is already being run by another mover (it holds the move's lock on shard '{From.Shards[0].Name}'). " +
                "Only one mover works on a move at a time: wait for it to finish, or stop it and run again to continue.");
        }

        try
        {
            return await RunLockedAsync(coordination, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            try
            {
                await MoveStore.UnlockMoverAsync(coordination, MoveId).ConfigureAwait(false);
            }
            catch (NpgsqlException)
            {
                // The connection broke; the server released the session's lock with it.
            }
        }
    }

    /// <summary>Pauses a running move after its current batch; it stays paused, across mover restarts, until <see cref="ResumeAsync"/>.</summary>
    /// <param name="database">The sharded database whose first shard holds the move record.</param>
    /// <param name="moveId">The move's identifier.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>Whether a move with that identifier exists.</returns>
    public static Task<bool> PauseAsync(ShardedDatabase database, string moveId, CancellationToken cancellationToken = default) =>
        SetPausedAsync(database, moveId, true, cancellationToken);

    /// <summary>Resumes a paused move.</summary>
    /// <param name="database">The sharded database whose first shard holds the move record.</param>
    /// <param name="moveId">The move's identifier.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>Whether a move with that identifier exists.</returns>
    public static Task<bool> ResumeAsync(ShardedDatabase database, string moveId, CancellationToken cancellationToken = default) =>
        SetPausedAsync(database, moveId, false, cancellationToken);

    private static async Task<bool> SetPausedAsync(ShardedDatabase database, string moveId, bool paused, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentException.ThrowIfNullOrEmpty(moveId);
        await using var connection = await database.OpenConnectionAsync(database.Topology.Shards[0], ShardAccess.Primary, cancellationToken).ConfigureAwait(false);
        await MoveStore.EnsureAsync(connection, cancellationToken).ConfigureAwait(false);
        return await MoveStore.SetPausedAsync(connection, moveId, paused, cancellationToken).ConfigureAwait(false);
    }

    private async Task<ShardMoveReport> RunLockedAsync(NpgsqlConnection coordination, CancellationToken cancellationToken)
    {
        foreach (var table in _tables)
        {
            _keyColumns[table.Name] = await KeyColumn.ReadAsync(coordination, table, cancellationToken).ConfigureAwait(false);
        }

        // Capture changes on every source before any process can see the move, so nothing written during it is missed.
        foreach (var source in From.Shards)
        {
            await using var connection = await OpenAsync(source, cancellationToken).ConfigureAwait(false);
            await SourceCapture.InstallAsync(connection, _tables, cancellationToken).ConfigureAwait(false);
        }

        var record = await MoveStore.StartAsync(coordination, MoveId, From, To, cancellationToken).ConfigureAwait(false);
        (_phase, _rowsCopied, _rowsVerified) = (record.Phase, record.Copied, record.Verified);
        Log.MovePhase(_logger, MoveId, _phase);
        var fence = TimeSpan.Zero;
        var sinceSwitch = record.SinceSwitch ?? 0;
        if (_phase < ShardMovePhase.Switched)
        {
            await CopyRangesAsync(coordination, cancellationToken).ConfigureAwait(false);
            await CatchUpAsync(From.Shards, _options.CutoverBacklog, cancellationToken).ConfigureAwait(false);
            await WaitAsync(_options.ProcessRefreshWait - TimeSpan.FromSeconds(record.SinceStart), cancellationToken).ConfigureAwait(false);
            fence = await CutoverAsync(coordination, cancellationToken).ConfigureAwait(false);
            sinceSwitch = 0;
        }

        // Readers that have not yet seen the switch still find the rows on their old owners until this wait is over.
        await WaitAsync(_options.ProcessRefreshWait - TimeSpan.FromSeconds(sinceSwitch), cancellationToken).ConfigureAwait(false);
        var removed = await CleanUpAsync(coordination, cancellationToken).ConfigureAwait(false);
        await SetPhaseAsync(coordination, ShardMovePhase.Completed, cancellationToken).ConfigureAwait(false);
        return new ShardMoveReport(MoveId, _rowsCopied, _rowsVerified, removed, fence);
    }

    private ValueTask<NpgsqlConnection> OpenAsync(ShardDefinition shard, CancellationToken cancellationToken) =>
        _database.OpenConnectionAsync(shard, ShardAccess.Primary, cancellationToken);

    private async Task SetPhaseAsync(NpgsqlConnection coordination, ShardMovePhase phase, CancellationToken cancellationToken)
    {
        await MoveStore.SetPhaseAsync(coordination, MoveId, phase, cancellationToken).ConfigureAwait(false);
        _phase = phase;
        Log.MovePhase(_logger, MoveId, phase);
        Report(false);
    }

    private Task WaitAsync(TimeSpan delay, CancellationToken cancellationToken) =>
        delay > TimeSpan.Zero ? Task.Delay(delay, _timeProvider, cancellationToken) : Task.CompletedTask;

    private void Report(bool paused)
    {
        var elapsed = _timeProvider.GetElapsedTime(_started).TotalSeconds;
        var rate = elapsed > 0 ? Interlocked.Read(ref _copiedThisRun) / elapsed : 0;
        var scanned = Interlocked.Read(ref _rowsScanned);
        TimeSpan? left = _phase >= ShardMovePhase.Cutover ? TimeSpan.Zero
            : scanned > 0 && elapsed > 0 ? TimeSpan.FromSeconds(Math.Max(0, _rowsToScan - scanned) * elapsed / scanned) : null;
        _progress?.Report(new ShardMoveProgress(MoveId, _phase, _rangesDone, _tables.Length * From.Shards.Count, _rowsCopied, _rowsVerified, rate, left, paused));
    }
}
