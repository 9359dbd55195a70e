using Microsoft.Extensions.Logging;
using Npgsql;

namespace Scalable.Messaging.Internal;

// Holds one LISTEN connection per outbox and wakes the relays on every notification; reconnects with backoff, and relays poll meanwhile.
internal sealed class NotificationListener(Outbox outbox, WakeSignal wake, TimeProvider timeProvider, ILogger logger)
{
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var failures = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await outbox.DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
                connection.Notification += (_, _) => wake.Set();
                await using (var listen = new NpgsqlCommand($"LISTEN {SqlIdentifier.Quote(outbox.Tables.Channel)}", connection))
                {
                    await listen.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                failures = 0;
                wake.Set(); // rows committed while nobody listened are picked up now
                while (true)
                {
                    await connection.WaitAsync(cancellationToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException) // an unexpected error must not stop the host: log, back off, go on
            {
                Log.ListenerFailed(logger, outbox.Name, ex);
                await Task.Delay(RetryDelay.For(++failures, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(10)), timeProvider, cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
