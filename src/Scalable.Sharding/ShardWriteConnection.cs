using Npgsql;
using Scalable.Sharding.Internal.Moves;

namespace Scalable.Sharding;

/// <summary>
/// An open primary connection for writes to one key, from <see cref="ShardedDatabase.OpenWriteConnectionAsync(string, CancellationToken)"/>:
/// while the key is moving it holds the move's cutover fence until disposed, so no write through it lands on the old owner after the last copy.
/// </summary>
/// <remarks>Dispose this object, not <see cref="Connection"/>: disposing it releases the fence and then returns the connection to the pool.</remarks>
public sealed class ShardWriteConnection : IAsyncDisposable
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly string? _fencedMove;
    private int _disposed;

    internal ShardWriteConnection(NpgsqlConnection connection, ShardDefinition shard, NpgsqlDataSource dataSource, string? fencedMove)
    {
        Connection = connection;
        Shard = shard;
        _dataSource = dataSource;
        _fencedMove = fencedMove;
        if (fencedMove is not null)
        {
            connection.StateChange += ClosedUnderFence;
        }
    }

    /// <summary>Gets the open connection to the key's owner; keep to one short transaction, as the move's cutover waits for it.</summary>
    public NpgsqlConnection Connection { get; }

    /// <summary>Gets the shard the connection is open to: the key's owner now (its old owner until a move switches).</summary>
    public ShardDefinition Shard { get; }

    /// <summary>Releases the move's fence, if held, and returns the connection to the pool.</summary>
    /// <returns>A task that completes when the connection is released.</returns>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        if (_fencedMove is not null)
        {
            Connection.StateChange -= ClosedUnderFence;
            await LeaveFenceAsync(_fencedMove).ConfigureAwait(false);
        }

        await Connection.DisposeAsync().ConfigureAwait(false);
    }

    private async Task LeaveFenceAsync(string moveId)
    {
        if (Connection.State == System.Data.ConnectionState.Closed)
        {
            return;
        }

        try
        {
            await SourceCapture.LeaveAsync(Connection, moveId).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException)
        {
            // The lock is the session's (for example, a failed transaction is still open): the connection must not go back
            // to the pool holding it, so the pool closes it when it comes back, which ends the session and its locks.
            _dataSource.Clear();
        }
    }

    // Closed by hand while fenced: its session went back to the pool with the lock. Clearing the pool closes that idle
    // session (a session reused first runs Npgsql's reset, DISCARD ALL, which releases advisory locks too).
    private void ClosedUnderFence(object sender, System.Data.StateChangeEventArgs e)
    {
        if (e.CurrentState == System.Data.ConnectionState.Closed && Volatile.Read(ref _disposed) == 0)
        {
            _dataSource.Clear();
        }
    }
}
