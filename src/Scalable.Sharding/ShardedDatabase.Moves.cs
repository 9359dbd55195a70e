using Npgsql;
using Scalable.Sharding.Internal;
using Scalable.Sharding.Internal.Moves;

namespace Scalable.Sharding;

/// <summary>Routing during shard moves: keys follow the move's phase, and writes to moving keys pass the cutover fence.</summary>
public sealed partial class ShardedDatabase
{
    /// <summary>Runs a write for a string key on its owner; during a <see cref="ShardMove"/> it waits for the cutover fence and then writes where the key lives now.</summary>
    /// <typeparam name="T">The write's result type.</typeparam>
    /// <param name="key">The key (hash tags apply).</param>
    /// <param name="write">The write, given an open primary connection; keep it to one short transaction.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>The write's result.</returns>
    /// <exception cref="ShardMoveInProgressException">The key is moving and its cutover fence did not lift within <see cref="ScalableShardingOptions.MoveFenceWait"/>; nothing was written, retry.</exception>
    public Task<T> WriteAsync<T>(string key, Func<NpgsqlConnection, CancellationToken, Task<T>> write, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        return WriteOwnerAsync(t => t.GetShard(key), write, cancellationToken);
    }

    /// <summary>Runs a write for a GUID key on its owner, passing a move's cutover fence like the string overload.</summary>
    /// <typeparam name="T">The write's result type.</typeparam>
    /// <param name="key">The key.</param>
    /// <param name="write">The write, given an open primary connection.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>The write's result.</returns>
    /// <exception cref="ShardMoveInProgressException">The key's cutover fence did not lift in time; retry.</exception>
    public Task<T> WriteAsync<T>(Guid key, Func<NpgsqlConnection, CancellationToken, Task<T>> write, CancellationToken cancellationToken = default) =>
        WriteOwnerAsync(t => t.GetShard(key), write, cancellationToken);

    /// <summary>Runs a write for a 64-bit integer key on its owner, passing a move's cutover fence like the string overload.</summary>
    /// <typeparam name="T">The write's result type.</typeparam>
    /// <param name="key">The key.</param>
    /// <param name="write">The write, given an open primary connection.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>The write's result.</returns>
    /// <exception cref="ShardMoveInProgressException">The key's cutover fence did not lift in time; retry.</exception>
    public Task<T> WriteAsync<T>(long key, Func<NpgsqlConnection, CancellationToken, Task<T>> write, CancellationToken cancellationToken = default) =>
        WriteOwnerAsync(t => t.GetShard(key), write, cancellationToken);

    private async ValueTask<NpgsqlConnection> OpenOwnerAsync(Func<ShardTopology, ShardDefinition> owner, ShardAccess access, CancellationToken cancellationToken)
    {
        var move = await _moves.CurrentAsync(cancellationToken).ConfigureAwait(false);
        return await OpenConnectionAsync(owner(MoveSnapshot.Routing(move, _map.Current)), access, cancellationToken).ConfigureAwait(false);
    }

    private async Task<T> WriteOwnerAsync<T>(Func<ShardTopology, ShardDefinition> owner, Func<NpgsqlConnection, CancellationToken, Task<T>> write, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(write);
        var move = await _moves.CurrentAsync(cancellationToken).ConfigureAwait(false);
        if (move is { IsSwitched: false } && owner(move.From) is var source && source.Name != owner(move.To).Name)
        {
            var fenced = await TryWriteInFenceAsync(move, source, write, cancellationToken).ConfigureAwait(false);
            if (fenced.Written)
            {
                return fenced.Result!;
            }

            move = move with { Phase = ShardMovePhase.Switched };
        }

        await using var connection = await OpenConnectionAsync(owner(MoveSnapshot.Routing(move, _map.Current)), ShardAccess.Primary, cancellationToken).ConfigureAwait(false);
        return await write(connection, cancellationToken).ConfigureAwait(false);
    }

    // Writes on the old owner while holding the move's fence shared, so the cutover waits for this write and no write
    // slips in after its last copy; returns Written = false when the move has switched (write on the new owner instead).
    private async Task<(bool Written, T? Result)> TryWriteInFenceAsync<T>(MoveSnapshot move, ShardDefinition source, Func<NpgsqlConnection, CancellationToken, Task<T>> write, CancellationToken cancellationToken)
    {
        await using var connection = await OpenConnectionAsync(source, ShardAccess.Primary, cancellationToken).ConfigureAwait(false);
        var wait = Volatile.Read(ref _settings).MoveFenceWait;
        var started = _timeProvider.GetTimestamp();
        while (true)
        {
            var (entered, switched) = await SourceCapture.TryEnterAsync(connection, move.MoveId, cancellationToken).ConfigureAwait(false);
            if (entered)
            {
                try
                {
                    if (switched)
                    {
                        _moves.Invalidate();
                        return (false, default);
                    }

                    return (true, await write(connection, cancellationToken).ConfigureAwait(false));
                }
                finally
                {
                    await SourceCapture.LeaveAsync(connection, move.MoveId).ConfigureAwait(false);
                }
            }

            if (_timeProvider.GetElapsedTime(started) >= wait)
            {
                Log.WriteFenced(_logger, move.MoveId, source.Name);
                throw new ShardMoveInProgressException(
                    move.MoveId,
                    $"Shard move {move.MoveId} is cutting over the key's rows on shard '{source.Name}' and writes to them waited {wait.TotalSeconds:0.###} s " +
                    "(ScalableShardingOptions.MoveFenceWait). Nothing was written; retry the write.");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(10), _timeProvider, cancellationToken).ConfigureAwait(false);
        }
    }
}
