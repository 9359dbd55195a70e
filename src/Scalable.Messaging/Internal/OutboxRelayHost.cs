using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Scalable.Messaging.Internal;

// The hosted service of one outbox: runs the schema step, then its listener, its backlog sampler and its relay loops until the host stops.
internal sealed class OutboxRelayHost(Outbox outbox, TimeProvider timeProvider, ILogger logger) : BackgroundService
{
    private readonly CancellationTokenSource _abort = new();
    private bool _schemaReady;

    // One attempt during host start, so the tables exist once StartAsync returns; if the database is not up yet, ExecuteAsync keeps trying.
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        if (outbox.Options.CreateSchemaOnStart)
        {
            try
            {
                await SchemaStepAsync(cancellationToken).ConfigureAwait(false);
                _schemaReady = true;
            }
            catch (Exception ex) when (ex is NpgsqlException or IOException or TimeoutException)
            {
                Log.RelayFailed(logger, outbox.Name, TimeSpan.Zero, ex);
            }
        }

        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (outbox.Options.CreateSchemaOnStart && !_schemaReady && !await EnsureSchemaAsync(stoppingToken).ConfigureAwait(false))
        {
            return;
        }

        if (outbox.Options.RelayCount == 0)
        {
            return;
        }

        var wake = new WakeSignal();
        var loops = new List<Task> { UntilStopped(new BacklogSampler(outbox, timeProvider, logger).RunAsync, stoppingToken) };
        if (outbox.Options.NotifyOnEnqueue)
        {
            loops.Add(UntilStopped(new NotificationListener(outbox, wake, timeProvider, logger).RunAsync, stoppingToken));
        }

        for (var i = 0; i < outbox.Options.RelayCount; i++)
        {
            var relay = new OutboxRelay(outbox, wake, timeProvider, logger, i);
            loops.Add(UntilStopped(token => relay.RunAsync(token, _abort.Token), stoppingToken));
        }

        await Task.WhenAll(loops).ConfigureAwait(false);
    }

    // A graceful stop lets each relay finish and mark its batch in flight; when the host's shutdown timeout runs out, the batch is abandoned.
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await using var abandon = cancellationToken.Register(static state => ((OutboxRelayHost)state!).Abandon(), this);
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
    }

    // A host may stop its services again after disposing them (a test server's factory does): nothing is left to abandon.
    private void Abandon()
    {
        try
        {
            _abort.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    public override void Dispose()
    {
        base.Dispose();
        _abort.Dispose();
    }

    private static async Task UntilStopped(Func<CancellationToken, Task> loop, CancellationToken stoppingToken)
    {
        try
        {
            await Task.Run(() => loop(stoppingToken), stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    // Processes that only enqueue check the bucket count but leave migrations to the relays' hosts, unless asked.
    private Task SchemaStepAsync(CancellationToken cancellationToken)
        => outbox.Options.SchemaMode == OutboxSchemaMode.Apply || (outbox.Options.SchemaMode == OutboxSchemaMode.Auto && outbox.Options.RelayCount > 0)
            ? outbox.EnsureSchemaAsync(cancellationToken)
            : outbox.VerifySchemaAsync(cancellationToken);

    // The database may start after the application: keep trying, with backoff, until the host stops.
    private async Task<bool> EnsureSchemaAsync(CancellationToken stoppingToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await SchemaStepAsync(stoppingToken).ConfigureAwait(false);
                return true;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return false;
            }
            catch (Exception ex) when (ex is NpgsqlException or IOException or TimeoutException)
            {
                var delay = RetryDelay.For(attempt, TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(30));
                Log.RelayFailed(logger, outbox.Name, delay, ex);
                try
                {
                    await Task.Delay(delay, timeProvider, stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return false;
                }
            }
        }
    }
}
