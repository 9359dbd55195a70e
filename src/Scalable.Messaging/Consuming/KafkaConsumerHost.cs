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
        var loop = Interlocked.Exchange(ref _loop, null);
        if (loop is null)
        {
            return;
        }

        Cancel(_stopping);
        await loop.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (!loop.IsCompleted)
        {
            ConsumerLog.StopTimedOut(logger, name);
            Cancel(_aborting);
            await loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    public void Dispose()
    {
        Cancel(_stopping);
        Cancel(_aborting);
        _stopping.Dispose();
        _aborting.Dispose();
        resources.Dispose();
    }

    // app.Run() disposes the host as soon as its own stop returns, which can be while another stop (IHost.StopAsync called
    // by a test server or an orchestrator) still waits here: that stop finds its sources already cancelled and disposed.
    private static void Cancel(CancellationTokenSource source)
    {
        try
        {
            source.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }
}
