namespace Scalable.Caching.Internal;

// One computation of one key in this process: every concurrent caller for the key awaits the same
// completion. The work is cancelled only when every caller that joined has cancelled; a background
// refresh has no callers and runs until it ends.
internal sealed class Flight<T>(bool background) : IDisposable
{
    private readonly TaskCompletionSource<CacheResult<T>> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _cancellation = new();
    private int _callers;

    public bool IsBackground { get; } = background;

    public CancellationToken Token => _cancellation.Token;

    public Task<CacheResult<T>> Completion => _completion.Task;

    public bool TryJoin()
    {
        if (_cancellation.IsCancellationRequested)
        {
            return false;
        }

        Interlocked.Increment(ref _callers);
        return true;
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

    // The caller that started the flight awaits the work itself rather than the completion source, saving a
    // thread-pool hop; that is only right when no soft timeout can complete the flight before the work ends.
    public async ValueTask<CacheResult<T>> RunAndWaitAsync(Task work, CancellationToken cancellationToken)
    {
        try
        {
            await (cancellationToken.CanBeCanceled ? work.WaitAsync(cancellationToken) : work).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Leave();
            throw;
        }

        return await _completion.Task.ConfigureAwait(false);
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

    private void Leave()
    {
        if (Interlocked.Decrement(ref _callers) == 0 && !IsBackground && !_completion.Task.IsCompleted)
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
