using Npgsql;

namespace Scalable.Sharding.Internal.Resharding;

/// <summary>
/// Moves one batch of keys from a source shard to a target shard: lock the rows at the source, settle rows already on
/// the target (replace or keep), copy the rest with binary COPY, verify count and checksum on the target, commit the
/// target, then delete at the source and record progress in one source transaction. Only the keys whose rows it locked
/// are copied and deleted. A crash at any point leaves either the old state or rows on both shards, which a rerun repairs.
/// </summary>
internal sealed class BatchMover(ReshardingTable table, ProgressStore progress, string moveId, ExistingTargetRows existingRows)
{
    private readonly RowCopier _copier = new(table);

    /// <summary>Moves the batch and returns (rows copied, source rows dropped because the target's row was kept).</summary>
    public async Task<(int Copied, int Kept)> MoveAsync(NpgsqlConnection source, NpgsqlConnection target, Array keys, CancellationToken cancellationToken)
    {
        await using var sourceTransaction = await source.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);

        // A key scanned earlier may have been deleted and inserted again since: work on the rows locked now, nothing else.
        var locked = await LockedKeysAsync(source, keys, cancellationToken).ConfigureAwait(false);
        if (locked.Length == 0)
        {
            return (0, 0);
        }

        var copyKeys = locked;
        await using (var targetTransaction = await target.BeginTransactionAsync(cancellationToken).ConfigureAwait(false))
        {
            if (existingRows == ExistingTargetRows.Keep)
            {
                copyKeys = await KeysNotOnTargetAsync(target, locked, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                // Rows left on the target by an interrupted earlier attempt are replaced, so a rerun never duplicates.
                await RowCopier.NonQueryAsync(target, $"DELETE FROM {table.QuotedName} WHERE {table.QuotedKey} = ANY(@keys)", locked, cancellationToken).ConfigureAwait(false);
            }

            var expected = await _copier.ChecksumAsync(source, copyKeys, cancellationToken).ConfigureAwait(false);
            if (expected.Rows > 0)
            {
                await _copier.CopyAsync(source, target, copyKeys, cancellationToken).ConfigureAwait(false);
                var actual = await _copier.ChecksumAsync(target, copyKeys, cancellationToken).ConfigureAwait(false);
                if (actual != expected)
                {
                    throw _copier.Mismatch(expected, actual);
                }
            }

            await targetTransaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            var copied = (int)expected.Rows;
            var deleted = await RowCopier.NonQueryAsync(source, $"DELETE FROM {table.QuotedName} WHERE {table.QuotedKey} = ANY(@keys)", locked, cancellationToken).ConfigureAwait(false);
            await progress.RecordBatchAsync(source, moveId, table.Name, copied, cancellationToken).ConfigureAwait(false);
            await sourceTransaction.CommitAsync(CancellationToken.None).ConfigureAwait(false);
            return (copied, deleted - copied);
        }
    }

    private Task<Array> LockedKeysAsync(NpgsqlConnection source, Array keys, CancellationToken cancellationToken) =>
        SelectKeysAsync(source, $"SELECT {table.QuotedKey} FROM {table.QuotedName} WHERE {table.QuotedKey} = ANY(@keys) FOR UPDATE", keys, cancellationToken);

    private async Task<Array> KeysNotOnTargetAsync(NpgsqlConnection target, Array keys, CancellationToken cancellationToken)
    {
        // Lock the rows the target already has, so a writer cannot remove one between this check and the commit.
        var present = (await SelectKeysAsync(target, $"SELECT {table.QuotedKey} FROM {table.QuotedName} WHERE {table.QuotedKey} = ANY(@keys) FOR UPDATE", keys, cancellationToken).ConfigureAwait(false))
            .Cast<object>().ToHashSet();
        return KeyArrays.From(keys.Cast<object>().Where(k => !present.Contains(k)).ToList(), keys);
    }

    private static async Task<Array> SelectKeysAsync(NpgsqlConnection connection, string sql, Array keys, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("keys", keys);
        var found = new List<object>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            found.Add(reader.GetValue(0));
        }

        return KeyArrays.From(found, keys);
    }
}
