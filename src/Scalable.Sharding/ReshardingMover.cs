using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Scalable.Sharding.Internal;
using Scalable.Sharding.Internal.Resharding;
using Scalable.Sharding.Internal.Routing;

namespace Scalable.Sharding;

/// <summary>
/// Moves the rows whose owner changes from one topology to the next, in verified batches (copy, verify count and
/// checksum, delete at the source). Resumable after a crash and idempotent: running it again finishes or repeats the
/// move without losing or duplicating rows. While it runs, <see cref="ReadAsync{T}(object, Func{NpgsqlConnection, CancellationToken, Task{T}}, CancellationToken)"/>
/// finds every row by trying the new owner first and the old owner second.
/// </summary>
public sealed class ReshardingMover
{
    private readonly ShardedDatabase _database;
    private readonly ReshardingOptions _options;
    private readonly ILogger _logger;

    /// <summary>Creates a mover from one topology to the next.</summary>
    /// <param name="database">Gives the pooled connections to the shards of both topologies.</param>
    /// <param name="from">The topology the rows are laid out by now.</param>
    /// <param name="to">The topology they must be laid out by.</param>
    /// <param name="options">Batch size and progress table.</param>
    /// <param name="logger">The logger.</param>
    /// <exception cref="ArgumentException">The batch size is not positive or the progress table name is empty.</exception>
    public ReshardingMover(ShardedDatabase database, ShardTopology from, ShardTopology to, ReshardingOptions? options = null, ILogger<ReshardingMover>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(to);
        _options = options ?? new ReshardingOptions();
        if (_options.BatchSize < 1)
        {
            throw new ArgumentException($"ReshardingOptions.BatchSize must be at least 1 (was {_options.BatchSize}).", nameof(options));
        }

        if (string.IsNullOrWhiteSpace(_options.ProgressTable))
        {
            throw new ArgumentException("ReshardingOptions.ProgressTable must name a table.", nameof(options));
        }

        _database = database;
        From = from;
        To = to;
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>Gets the topology the rows are moved from.</summary>
    public ShardTopology From { get; }

    /// <summary>Gets the topology the rows are moved to.</summary>
    public ShardTopology To { get; }

    /// <summary>Returns the stable identifier of moving a table between these two topologies, used for its progress records.</summary>
    /// <param name="table">The table.</param>
    /// <returns>An identifier that is the same in every process and run.</returns>
    public string GetMoveId(ReshardingTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        var text = $"{table.Name}|{From.Describe()}|{To.Describe()}";
        return XxHash64.Hash(Encoding.UTF8.GetBytes(text)).ToString("x16", CultureInfo.InvariantCulture);
    }

    /// <summary>Moves every row of the table whose key changes owner, shard by shard, in verified batches.</summary>
    /// <param name="table">The table and its shard key column; the table must exist with the same definition on every shard of both topologies.</param>
    /// <param name="progress">Told after each committed batch.</param>
    /// <param name="cancellationToken">Stops the move after the current step; a later run resumes it.</param>
    /// <returns>What this run moved.</returns>
    /// <exception cref="ReshardingVerificationException">A batch did not verify on its target; nothing of it was deleted at the source.</exception>
    /// <exception cref="NpgsqlException">A shard could not be reached; run the move again once it is back.</exception>
    public async Task<ReshardingReport> MoveAsync(ReshardingTable table, IProgress<ReshardingBatch>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(table);
        var moveId = GetMoveId(table);
        var store = new ProgressStore(_options.ProgressTable);
        var mover = new BatchMover(table, store, moveId, _options.ExistingTargetRows);
        var routes = new Dictionary<(string, string), long>();
        long moved = 0, kept = 0, before = 0;
        var batches = 0;
        foreach (var source in From.Shards)
        {
            await using var sourceConnection = await _database.OpenConnectionAsync(source, ShardAccess.Primary, cancellationToken).ConfigureAwait(false);
            await store.EnsureAsync(sourceConnection, cancellationToken).ConfigureAwait(false);
            var earlier = await store.RowsMovedAsync(sourceConnection, moveId, table.Name, cancellationToken).ConfigureAwait(false);
            if (earlier > 0)
            {
                Log.MoveResumed(_logger, table.Name, moveId, source.Name, earlier);
            }

            before += earlier;
            object? after = null;
            while (await KeyPages.NextAsync(sourceConnection, table, after, _options.BatchSize, cancellationToken).ConfigureAwait(false) is { Count: > 0 } page)
            {
                after = page[^1];
                foreach (var group in page.GroupBy(key => To.GetShardForKey(key)).Where(g => g.Key.Name != source.Name))
                {
                    using var activity = ShardingTelemetry.ActivitySource.HasListeners() ? ShardingTelemetry.ActivitySource.StartActivity("resharding.batch") : null;
                    await using var targetConnection = await _database.OpenConnectionAsync(group.Key, ShardAccess.Primary, cancellationToken).ConfigureAwait(false);
                    var (rows, keptRows) = await mover.MoveAsync(sourceConnection, targetConnection, KeyArrays.From(group.ToList()), cancellationToken).ConfigureAwait(false);
                    kept += keptRows;
                    if (rows == 0)
                    {
                        continue;
                    }

                    moved += rows;
                    batches++;
                    routes[(source.Name, group.Key.Name)] = routes.GetValueOrDefault((source.Name, group.Key.Name)) + rows;
                    _database.Metrics.RowsMoved.Add(rows, new TagList { { "scalable.sharding.source", source.Name }, { "scalable.sharding.target", group.Key.Name } });
                    Log.BatchMoved(_logger, table.Name, rows, source.Name, group.Key.Name);
                    progress?.Report(new ReshardingBatch(table.Name, source.Name, group.Key.Name, rows));
                }
            }

            await store.MarkCompletedAsync(sourceConnection, moveId, table.Name, cancellationToken).ConfigureAwait(false);
        }

        Log.MoveCompleted(_logger, table.Name, moveId, moved, batches);
        return new ReshardingReport(moveId, moved, batches, before, routes, kept);
    }

    /// <summary>Reads a key during a move: from its new owner first, and from its old owner when the new one has nothing yet.</summary>
    /// <typeparam name="T">The result type; null means "not found here".</typeparam>
    /// <param name="key">The key (string, Guid, long or int).</param>
    /// <param name="read">Reads the key on one shard and returns null when the row is not there.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The row from the new owner, else from the old owner, else null.</returns>
    public async Task<T?> ReadAsync<T>(object key, Func<NpgsqlConnection, CancellationToken, Task<T?>> read, CancellationToken cancellationToken = default)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(read);
        var newOwner = To.GetShardForKey(key);
        await using (var connection = await _database.OpenConnectionAsync(newOwner, ShardAccess.Primary, cancellationToken).ConfigureAwait(false))
        {
            if (await read(connection, cancellationToken).ConfigureAwait(false) is { } found)
            {
                return found;
            }
        }

        var oldOwner = From.GetShardForKey(key);
        if (oldOwner.Name == newOwner.Name)
        {
            return null;
        }

        await using var fallback = await _database.OpenConnectionAsync(oldOwner, ShardAccess.Primary, cancellationToken).ConfigureAwait(false);
        return await read(fallback, cancellationToken).ConfigureAwait(false);
    }
}
