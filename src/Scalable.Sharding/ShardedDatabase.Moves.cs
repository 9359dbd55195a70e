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

    /// <summary>Opens a primary connection for writes to a string key; during a <see cref="ShardMove"/> it holds the cutover fence for the connection's life, as <see cref="WriteAsync{T}(string, Func{NpgsqlConnection, CancellationToken, Task{T}}, CancellationToken)"/> does for one write.</summary>
    /// <param name="key">The key (hash tags apply); writes through the connection are fenced for this key's rows only.</param>
    /// <param name="cancellationToken">Cancels the open.</param>
    /// <returns>The connection on the key's owner; dispose it (not its <see cref="ShardWriteConnection.Connection"/>) to release the fence.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> is null.</exception>
    /// <exception cref="ShardMoveInProgressException">The key is moving and its cutover fence did not lift within <see cref="ScalableShardingOptions.MoveFenceWait"/>; nothing was opened, retry.</exception>
    public ValueTask<ShardWriteConnection> OpenWriteConnectionAsync(string key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        return OpenWriteOwnerAsync(t => t.GetShard(key), cancellationToken);
    }

    /// <summary>Opens a primary connection for writes to a GUID key, fenced during a move's cutover like the string overload.</summary>
    /// <param name="key">The key.</param>
    /// <param name="cancellationToken">Cancels the open.</param>
    /// <returns>The connection on the key's owner; dispose it to release the fence.</returns>
    /// <exception cref="ShardMoveInProgressException">The key's cutover fence did not lift in time; retry.</exception>
    public ValueTask<ShardWriteConnection> OpenWriteConnectionAsync(Guid key, CancellationToken cancellationToken = default) =>
        OpenWriteOwnerAsync(t => t.GetShard(key), cancellationToken);

    /// <summary>Opens a primary connection for writes to a 64-bit integer key, fenced during a move's cutover like the string overload.</summary>
    /// <param name="key">The key.</param>
    /// <param name="cancellationToken">Cancels the open.</param>
    /// <returns>The connection on the key's owner; dispose it to release the fence.</returns>
    /// <exception cref="ShardMoveInProgressException">The key's cutover fence did not lift in time; retry.</exception>
    public ValueTask<ShardWriteConnection> OpenWriteConnectionAsync(long key, CancellationToken cancellationToken = default) =>
        OpenWriteOwnerAsync(t => t.GetShard(key), cancellationToken);

    private async ValueTask<NpgsqlConnection> OpenOwnerAsync(Func<ShardTopology, ShardDefinition> owner, ShardAccess access, CancellationToken cancellationToken)
    {
        var move = await _moves.CurrentAsync(cancellationToken).ConfigureAwait(false);
        return await OpenConnectionAsync(owner(MoveSnapshot.Routing(move, _map.Current)), access, cancellationToken).ConfigureAwait(false);
    }

    private async Task<T> WriteOwnerAsync<T>(Func<ShardTopology, ShardDefinition> owner, Func<NpgsqlConnection, CancellationToken, Task<T>> write, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(write);
        await using var connection = await OpenWriteOwnerAsync(owner, cancellationToken).ConfigureAwait(false);
        return await write(connection.Connection, cancellationToken).ConfigureAwait(false);
    }

    // A key that a running move has not switched yet is written on its old owner under the move's fence, taken shared, so
    // the cutover waits for the write and no write slips in after its last copy; any other key is written where it routes.
    private async ValueTask<ShardWriteConnection> OpenWriteOwnerAsync(Func<ShardTopology, ShardDefinition> owner, CancellationToken cancellationToken)
    {
        var move = await _moves.CurrentAsync(cancellationToken).ConfigureAwait(false);
        if (move is { IsSwitched: false } && owner(move.From) is var source && source.Name != owner(move.To).Name)
        {
            if (await TryEnterFenceAsync(move, source, cancellationToken).ConfigureAwait(false) is { } fenced)
            {
                return fenced;
            }

            move = move with { Phase = ShardMovePhase.Switched };
        }

        var shard = owner(MoveSnapshot.Routing(move, _map.Current));
        var connection = await OpenConnectionAsync(shard, ShardAccess.Primary, cancellationToken).ConfigureAwait(false);
        return new ShardWriteConnection(connection, shard, GetDataSource(shard), null);
    }

    // Opens the old owner and takes the move's fence shared; null when the move has switched (write on the new owner).
    private async Task<ShardWriteConnection?> TryEnterFenceAsync(MoveSnapshot move, ShardDefinition source, CancellationToken cancellationToken)
    {
        var connection = await OpenConnectionAsync(source, ShardAccess.Primary, cancellationToken).ConfigureAwait(false);
        var dataSource = GetDataSource(source);
        var entered = false;
        try
        {
            var wait = Volatile.Read(ref _settings).MoveFenceWait;
            var started = _timeProvider.GetTimestamp();
            while (!(entered = await SourceCapture.TryEnterAsync(connection, move.MoveId).ConfigureAwait(false)))
            {
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

            if (!await SourceCapture.IsSwitchedAsync(connection, move.MoveId, cancellationToken).ConfigureAwait(false))
            {
                return new ShardWriteConnection(connection, source, dataSource, move.MoveId);
            }

            _moves.Invalidate();
            await SourceCapture.LeaveAsync(connection, move.MoveId).ConfigureAwait(false);
            entered = false;
            await connection.DisposeAsync().ConfigureAwait(false);
            return null;
        }
        catch
        {
            if (entered)
            {
                // The shared lock is the session's: never pool a session that may still hold it.
                dataSource.Clear();
            }

            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}
