using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Scalable.Messaging.Consuming;

// Runs one consumer loop for the life of the host. Stop lets the current message finish, commits and leaves the group; if the
// host's shutdown timeout runs out first, the handler is cancelled and its transaction rolls back (the message is read again later).
internal sealed class KafkaConsumerHost(string name, Func<CancellationToken, CancellationToken, Task> run, IDisposable resources, ILogger logger) : IHostedService, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private readonly CancellationTokenSource _aborting = new();
    private Task? _loop;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _loop = Task.Factory.StartNew(() => run(_stopping.Token, _aborting.Token), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_loop is null)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await _loop.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            ConsumerLog.StopTimedOut(logger, name);
            await _aborting.CancelAsync().ConfigureAwait(false);
            await _loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    public void Dispose()
    {
        _stopping.Cancel();
        _aborting.Cancel();
        _stopping.Dispose();
        _aborting.Dispose();
        resources.Dispose();
    }
}
