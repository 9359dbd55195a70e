using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Scalable.Messaging.Internal;

namespace Scalable.Messaging.Tests.Support;

// Runs a notification listener and N relay loops of one outbox, as the hosted service does, but with handles for the test.
internal sealed class RunningRelays : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly CancellationTokenSource _abort = new();
    private readonly List<Task> _loops = [];

    public RunningRelays(Outbox outbox, int count, Action<int, OutboxRelay>? setUp = null, ILogger? logger = null)
    {
        logger ??= NullLogger.Instance;
        var wake = new WakeSignal();
        _loops.Add(Task.Run(() => new NotificationListener(outbox, wake, TimeProvider.System, logger).RunAsync(_stop.Token)));
        for (var i = 0; i < count; i++)
        {
            var relay = new OutboxRelay(outbox, wake, TimeProvider.System, logger, i);
            setUp?.Invoke(i, relay);
            Relays.Add(relay);
            _loops.Add(Task.Run(() => relay.RunAsync(_stop.Token, _abort.Token)));
        }
    }

    public List<OutboxRelay> Relays { get; } = [];

    // As a host shutting down within its timeout: no new batch, the batch in flight is finished and marked.
    public void StopGracefully() => _stop.Cancel();

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _abort.CancelAsync();
        try
        {
            await Task.WhenAll(_loops);
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
        _abort.Dispose();
    }
}
