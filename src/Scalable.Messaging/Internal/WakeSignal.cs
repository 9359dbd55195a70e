namespace Scalable.Messaging.Internal;

// A broadcast wake-up: a relay takes the current task before it looks for work, so a notification that arrives meanwhile is never missed.
internal sealed class WakeSignal
{
    private TaskCompletionSource _current = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Current => Volatile.Read(ref _current).Task;

    public void Set() => Interlocked.Exchange(ref _current, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
}
