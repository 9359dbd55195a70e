using Microsoft.Extensions.Logging;
using Npgsql;

namespace Scalable.Sharding.Internal.Moves;

// A process's cached view of the running move, read from the first shard's scalable_moves table at most once per
// refresh interval. A keyed operation never acts on a view older than the interval (it waits, briefly, for a fresh
// read), which is what lets a mover rely on every process having seen a phase after a known wait.
internal sealed class MoveObserver(
    Func<ShardTopology> configured,
    Func<ShardDefinition, CancellationToken, ValueTask<NpgsqlConnection>> open,
    Func<TimeSpan> interval,
    TimeProvider timeProvider,
    ILogger logger)
{
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(10);
    private readonly object _gate = new();
    private MoveSnapshot? _move;
    private long _readAt = long.MinValue;
    private Task? _refresh;

    public MoveSnapshot? Cached => Volatile.Read(ref _move);

    public ValueTask<MoveSnapshot?> CurrentAsync(CancellationToken cancellationToken)
    {
        var readAt = Interlocked.Read(ref _readAt);
        return readAt != long.MinValue && timeProvider.GetElapsedTime(readAt) < interval()
            ? new ValueTask<MoveSnapshot?>(Cached)
            : RefreshAsync(cancellationToken);
    }

    public void Invalidate() => Interlocked.Exchange(ref _readAt, long.MinValue);

    private async ValueTask<MoveSnapshot?> RefreshAsync(CancellationToken cancellationToken)
    {
        Task refresh;
        lock (_gate)
        {
            // Started on the pool, never inline: a read that completed inside this lock would clear _refresh before it is set.
            refresh = _refresh ??= Task.Run(ReadAsync, CancellationToken.None);
        }

        try
        {
            // Wait at most one interval: with the first shard unreachable, operations go on with the last view (logged).
            await refresh.WaitAsync(interval(), timeProvider, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
        }

        return Cached;
    }

    private async Task ReadAsync()
    {
        var started = timeProvider.GetTimestamp();
        try
        {
            var topology = configured();
            using var timeout = new CancellationTokenSource(ReadTimeout, timeProvider);
            await using var connection = await open(topology.Shards[0], timeout.Token).ConfigureAwait(false);
            Volatile.Write(ref _move, await MoveStore.ReadNewestAsync(connection, topology.Version, timeout.Token).ConfigureAwait(false));
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidOperationException or OperationCanceledException or System.Text.Json.JsonException)
        {
            Log.MoveStateUnreadable(logger, ex);
        }
        finally
        {
            Interlocked.Exchange(ref _readAt, started);
            lock (_gate)
            {
                _refresh = null;
            }
        }
    }
}
