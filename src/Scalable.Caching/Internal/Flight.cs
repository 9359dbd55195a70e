namespace Scalable.Caching.Internal;

// One computation of one key in this process: every concurrent caller for the key awaits the same
// completion. The work is cancelled only when every caller that joined has cancelled; a background
// refresh has no callers and runs until it ends.
internal sealed class Flight<T>(bool background) : IDisposable
{
    private readonly TaskCompletionSource<CacheResult<T>> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _cancellation = new();
    // How many callers wait; -1 once the last one has left and the work is being cancelled. Joining and
    // giving up are compare-and-swaps on this one field, so a caller that joins as the last one leaves
    // either keeps the flight alive or is refused and starts a fresh one: it never inherits the cancellation.
    private int _callers;

    public bool IsBackground { get; } = background;

    // The levels the call that started the computation leaves out.
    public CacheEntryFlags Flags { get; init; }

    public CancellationToken Token => _cancellation.Token;

    public Task<CacheResult<T>> Completion => _completion.Task;

    public bool TryJoin()
    {
        var callers = Volatile.Read(ref _callers);
        while (callers >= 0)
        {
            var seen = Interlocked.CompareExchange(ref _callers, callers + 1, callers);
            if (seen == callers)
            {
                return true;
            }

            callers = seen;
        }

        return false;
    }

    public async ValueTask<CacheResult<T>> WaitAsync(CancellationToken cancellationToken)
    {
        if (!cancellationToken.CanBeCanceled)
        {
            return await _completion.Task.ConfigureAwait(false);
        }

        try
        {
            return await _completion.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Leave();
            throw;
        }
    }

    public void Complete(CacheResult<T> result) => _completion.TrySetResult(result);

    public void Fail(Exception error)
    {
        if (error is OperationCanceledException && _cancellation.IsCancellationRequested)
        {
            _completion.TrySetCanceled(_cancellation.Token);
        }
        else
        {
            _completion.TrySetException(error);
        }
    }

    public void Dispose() => _cancellation.Dispose();

    // A caller gives up waiting (its token was cancelled); the last one to leave cancels the work.
    public void Leave()
    {
        if (Interlocked.Decrement(ref _callers) == 0 && !IsBackground && !_completion.Task.IsCompleted
            && Interlocked.CompareExchange(ref _callers, -1, 0) == 0)
        {
            try
            {
                _cancellation.Cancel();
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }
}
