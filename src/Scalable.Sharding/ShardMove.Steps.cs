using System.Data;
using System.Diagnostics;
using Npgsql;
using Scalable.Sharding.Internal;
using Scalable.Sharding.Internal.Moves;
using Scalable.Sharding.Internal.Resharding;

namespace Scalable.Sharding;

/// <summary>The steps of a shard move: bulk copy, catch-up from the captured changes, cutover, clean-up.</summary>
public sealed partial class ShardMove
{
    private const int CutoverAttempts = 5;

    private async Task CopyRangesAsync(NpgsqlConnection coordination, CancellationToken cancellationToken)
    {
        var pending = new List<(ReshardingTable Table, ShardDefinition Source, string? LastKey)>();
        foreach (var table in _tables)
        {
            foreach (var source in From.Shards)
            {
                var range = await MoveStore.RangeAsync(coordination, MoveId, source.Name, table.Name, cancellationToken).ConfigureAwait(false);
                if (range.Copied)
                {
                    _rangesDone++;
                }
                else
                {
                    pending.Add((table, source, range.LastKey));
                    _rowsToScan += await CountAsync(source, table, cancellationToken).ConfigureAwait(false);
                }
            }
        }

        foreach (var (table, source, lastKey) in pending)
        {
            await using var connection = await OpenAsync(source, cancellationToken).ConfigureAwait(false);
            var after = lastKey is null ? null : _keyColumns[table.Name].Parse(lastKey);
            while (await KeyPages.NextAsync(connection, table, after, _options.BatchSize, cancellationToken).ConfigureAwait(false) is { Count: > 0 } page)
            {
                await WaitWhilePausedAsync(coordination, cancellationToken).ConfigureAwait(false);
                after = page[^1];
                foreach (var group in page.GroupBy(key => To.GetShardForKey(key)).Where(g => g.Key.Name != source.Name))
                {
                    await SyncAsync(coordination, table, source, connection, group.Key, KeyArrays.From(group.ToList()), cancellationToken).ConfigureAwait(false);
                }

                Interlocked.Add(ref _rowsScanned, page.Count);
                await MoveStore.SaveRangeAsync(coordination, MoveId, source.Name, table.Name, KeyColumn.Format(after), false, false, cancellationToken).ConfigureAwait(false);
                Report(false);
            }

            await MoveStore.SaveRangeAsync(coordination, MoveId, source.Name, table.Name, after is null ? null : KeyColumn.Format(after), true, false, cancellationToken).ConfigureAwait(false);
            _rangesDone++;
            _database.Metrics.MoveRangesDone.Add(1);
            var elapsed = _timeProvider.GetElapsedTime(_started).TotalSeconds;
            var rate = elapsed > 0 ? Interlocked.Read(ref _copiedThisRun) / elapsed : 0;
            var scanned = Interlocked.Read(ref _rowsScanned);
            Log.MoveProgress(_logger, MoveId, _rangesDone, _tables.Length * From.Shards.Count, _rowsCopied, _rowsVerified, rate, scanned > 0 ? Math.Max(0, _rowsToScan - scanned) * elapsed / scanned : 0);
        }
    }

    // Makes the target hold exactly what the source holds for these keys, from one source snapshot: the copy deletes
    // the target's rows first (it is not their owner yet), so a missing source row propagates a delete.
    private async Task SyncAsync(NpgsqlConnection coordination, ReshardingTable table, ShardDefinition source, NpgsqlConnection sourceConnection, ShardDefinition target, Array keys, CancellationToken cancellationToken)
    {
        var copier = _copiers[table.Name];
        await using var targetConnection = await OpenAsync(target, cancellationToken).ConfigureAwait(false);
        await using var sourceTransaction = await sourceConnection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
        await using var targetTransaction = await targetConnection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await RowCopier.NonQueryAsync(targetConnection, $"DELETE FROM {table.QuotedName} WHERE {table.QuotedKey} = ANY(@keys)", keys, cancellationToken).ConfigureAwait(false);
        var expected = await copier.ChecksumAsync(sourceConnection, keys, cancellationToken).ConfigureAwait(false);
        if (expected.Rows > 0)
        {
            await copier.CopyAsync(sourceConnection, targetConnection, keys, cancellationToken).ConfigureAwait(false);
            var actual = await copier.ChecksumAsync(targetConnection, keys, cancellationToken).ConfigureAwait(false);
            if (actual != expected)
            {
                throw copier.Mismatch(expected, actual);
            }
        }

        await targetTransaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        await sourceTransaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        if (expected.Rows > 0)
        {
            _rowsCopied += expected.Rows;
            _rowsVerified += expected.Rows;
            Interlocked.Add(ref _copiedThisRun, expected.Rows);
            var route = new TagList { { "scalable.sharding.source", source.Name }, { "scalable.sharding.target", target.Name } };
            _database.Metrics.MoveRowsCopied.Add(expected.Rows, route);
            _database.Metrics.MoveRowsVerified.Add(expected.Rows, route);
            await MoveStore.AddRowsAsync(coordination, MoveId, expected.Rows, expected.Rows, cancellationToken).ConfigureAwait(false);
        }
    }

    // Copies again the moving keys written since their copy, round after round, until a round finds at most `backlog`.
    private async Task CatchUpAsync(IEnumerable<ShardDefinition> sources, int backlog, CancellationToken cancellationToken)
    {
        var list = sources.ToList();
        await using var coordination = await OpenAsync(From.Shards[0], cancellationToken).ConfigureAwait(false);
        while (true)
        {
            long moving = 0;
            foreach (var source in list)
            {
                await using var connection = await OpenAsync(source, cancellationToken).ConfigureAwait(false);
                moving += await CatchUpSourceAsync(coordination, source, connection, true, cancellationToken).ConfigureAwait(false);
            }

            if (moving <= backlog)
            {
                return;
            }
        }
    }

    private async Task<long> CatchUpSourceAsync(NpgsqlConnection coordination, ShardDefinition source, NpgsqlConnection connection, bool pausable, CancellationToken cancellationToken)
    {
        long moving = 0;
        foreach (var table in _tables)
        {
            List<(long Seq, string Key)> changes;
            do
            {
                if (pausable)
                {
                    await WaitWhilePausedAsync(coordination, cancellationToken).ConfigureAwait(false);
                }

                // Changes read first, rows copied from a later snapshot, then exactly these change rows consumed: a change
                // committed after the read stays for the next round, whatever order the writers' transactions commit in.
                changes = await SourceCapture.ChangesAsync(connection, table, _options.BatchSize, cancellationToken).ConfigureAwait(false);
                var keys = changes.Select(c => c.Key).Distinct(StringComparer.Ordinal).Select(_keyColumns[table.Name].Parse);
                foreach (var group in keys.GroupBy(key => To.GetShardForKey(key)).Where(g => g.Key.Name != source.Name))
                {
                    var batch = group.ToList();
                    moving += batch.Count;
                    await SyncAsync(coordination, table, source, connection, group.Key, KeyArrays.From(batch), cancellationToken).ConfigureAwait(false);
                }

                await SourceCapture.ConsumeAsync(connection, changes.Select(c => c.Seq), cancellationToken).ConfigureAwait(false);
            }
            while (changes.Count == _options.BatchSize);
        }

        return moving;
    }

    // Fences writes to moving keys on every source (waiting for writes in flight), copies their last changes, marks each
    // source switched and records the switch, then lifts the fence: waiting writers find the marker and go to the new owner.
    private async Task<TimeSpan> CutoverAsync(NpgsqlConnection coordination, CancellationToken cancellationToken)
    {
        await SetPhaseAsync(coordination, ShardMovePhase.Cutover, cancellationToken).ConfigureAwait(false);
        for (var attempt = 1; attempt <= CutoverAttempts; attempt++)
        {
            var fences = new List<(ShardDefinition Source, NpgsqlConnection Connection)>();
            try
            {
                var fenced = true;
                foreach (var source in From.Shards)
                {
                    var connection = await OpenAsync(source, cancellationToken).ConfigureAwait(false);
                    if (!await SourceCapture.FenceAsync(connection, MoveId, _options.CutoverLockTimeout, cancellationToken).ConfigureAwait(false))
                    {
                        await connection.DisposeAsync().ConfigureAwait(false);
                        Log.CutoverRetried(_logger, MoveId, source.Name);
                        fenced = false;
                        break;
                    }

                    fences.Add((source, connection));
                }

                if (fenced)
                {
                    var started = _timeProvider.GetTimestamp();
                    foreach (var (source, connection) in fences)
                    {
                        if (!await SourceCapture.IsSwitchedAsync(connection, MoveId, cancellationToken).ConfigureAwait(false))
                        {
                            await CatchUpSourceAsync(coordination, source, connection, false, cancellationToken).ConfigureAwait(false);
                            await SourceCapture.MarkSwitchedAsync(connection, MoveId, cancellationToken).ConfigureAwait(false);
                        }
                    }

                    await SetPhaseAsync(coordination, ShardMovePhase.Switched, cancellationToken).ConfigureAwait(false);
                    var fence = _timeProvider.GetElapsedTime(started);
                    _database.Metrics.MoveFence.Record(fence.TotalSeconds);
                    Log.MoveSwitched(_logger, MoveId, fence.TotalMilliseconds);
                    return fence;
                }
            }
            finally
            {
                foreach (var (_, connection) in fences)
                {
                    await SourceCapture.UnfenceAsync(connection, MoveId).ConfigureAwait(false);
                    await connection.DisposeAsync().ConfigureAwait(false);
                }
            }

            await CatchUpAsync(From.Shards, _options.CutoverBacklog, cancellationToken).ConfigureAwait(false);
        }

        throw new TimeoutException(
            $"Shard move {MoveId} could not fence writes to its moving keys in {CutoverAttempts} attempts of {_options.CutoverLockTimeout.TotalSeconds:0.###} s " +
            "(ShardMoveOptions.CutoverLockTimeout): writes kept running. Run the move again; it continues from here.");
    }

    // After the switch nobody writes moving keys on their old owners: delete exactly those rows (locked first), nothing else.
    private async Task<long> CleanUpAsync(NpgsqlConnection coordination, CancellationToken cancellationToken)
    {
        long removed = 0;
        foreach (var source in From.Shards)
        {
            await using var connection = await OpenAsync(source, cancellationToken).ConfigureAwait(false);
            await SourceCapture.RemoveAsync(connection, _tables, cancellationToken).ConfigureAwait(false);
            foreach (var table in _tables)
            {
                if ((await MoveStore.RangeAsync(coordination, MoveId, source.Name, table.Name, cancellationToken).ConfigureAwait(false)).Cleaned)
                {
                    continue;
                }

                object? after = null;
                while (await KeyPages.NextAsync(connection, table, after, _options.BatchSize, cancellationToken).ConfigureAwait(false) is { Count: > 0 } page)
                {
                    after = page[^1];
                    var moved = page.Where(key => To.GetShardForKey(key).Name != source.Name).ToList();
                    if (moved.Count > 0)
                    {
                        removed += await RowCopier.NonQueryAsync(
                            connection,
                            $"DELETE FROM {table.QuotedName} WHERE {table.QuotedKey} IN (SELECT {table.QuotedKey} FROM {table.QuotedName} WHERE {table.QuotedKey} = ANY(@keys) FOR UPDATE)",
                            KeyArrays.From(moved),
                            cancellationToken).ConfigureAwait(false);
                    }
                }

                await MoveStore.SaveRangeAsync(coordination, MoveId, source.Name, table.Name, null, true, true, cancellationToken).ConfigureAwait(false);
            }
        }

        return removed;
    }

    private async Task WaitWhilePausedAsync(NpgsqlConnection coordination, CancellationToken cancellationToken)
    {
        var reported = false;
        while (await MoveStore.IsPausedAsync(coordination, MoveId, cancellationToken).ConfigureAwait(false))
        {
            if (!reported)
            {
                Report(true);
                reported = true;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), _timeProvider, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<long> CountAsync(ShardDefinition source, ReshardingTable table, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(source, cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand($"SELECT count(*) FROM {table.QuotedName}", connection);
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }
}
