using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Scalable.Messaging.Internal;

// Runs one outbox and relay host per shard of a reloadable shard map. At start it runs the shards in the map (invalid settings fail the host);
// on every reload it stops the relays of removed shards (each finishes and marks its batch in flight, so nothing is published twice) and
// starts the added ones (schema step per SchemaMode, then the relays). A shard whose connection string changed is stopped and started again.
internal sealed class ShardOutboxes(ShardMapSource map, ShardOutboxOptions options, OutboxProvider provider, TimeProvider timeProvider, ILogger logger) : IHostedService
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<string, RunningShard> _running = new(StringComparer.Ordinal);
    private IDisposable? _subscription;
    private bool _stopped;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        // Subscribe first: a reload during start waits for the gate and then sees the newest map.
        _subscription = map.Subscribe(() => _ = Task.Run(FollowAsync));
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            foreach (var (shard, connectionString) in map.Read())
            {
                await StartShardAsync(shard, connectionString, cancellationToken).ConfigureAwait(false);
            }
        }
        catch
        {
            // The host does not stop a service whose start failed: stop the shards started so far, so no relay outlives the host.
            await StopAllAsync(CancellationToken.None).ConfigureAwait(false);
            throw;
        }
        finally
        {
            _gate.Release();
        }
    }

    // The host's shutdown token abandons the batches still in flight when it runs out, as for outboxes added with AddOutbox.
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            await StopAllAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    // Called holding the gate; each StopShardAsync takes its shard out of _running before its first await, so they run side by side safely.
    private Task StopAllAsync(CancellationToken cancellationToken)
    {
        _subscription?.Dispose();
        _stopped = true;
        return Task.WhenAll(_running.Keys.ToList().Select(shard => StopShardAsync(shard, cancellationToken)));
    }

    // Runs on a reload, outside the options monitor's callback; reloads are applied one after the other, each against the newest map.
    private async Task FollowAsync()
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_stopped)
            {
                return;
            }

            var wanted = map.Read();
            var gone = _running.Where(r => !wanted.TryGetValue(r.Key, out var connectionString) || connectionString != r.Value.ConnectionString).Select(r => r.Key).ToList();
            await Task.WhenAll(gone.Select(shard => StopShardAsync(shard, CancellationToken.None))).ConfigureAwait(false);
            foreach (var (shard, connectionString) in wanted.Where(w => !_running.ContainsKey(w.Key)))
            {
                try
                {
                    await StartShardAsync(shard, connectionString, CancellationToken.None).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException) // a bad shard must not stop the others or the host
                {
                    Log.ShardOutboxRejected(logger, shard, ex);
                }
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException) // reading the map failed (for example two shards with one name): keep what runs
        {
            Log.ShardOutboxRejected(logger, "(shard map)", ex);
        }
        finally
        {
            _gate.Release();
        }
    }

    // An added shard's outbox is published once its schema step ran (or, when the database is down, its first attempt failed).
    private async Task StartShardAsync(string shard, string connectionString, CancellationToken cancellationToken)
    {
        var outbox = provider.Create(shard, options.Create(shard, connectionString));
        var host = new OutboxRelayHost(outbox, timeProvider, logger);
        try
        {
            await host.StartAsync(cancellationToken).ConfigureAwait(false);
            provider.Attach(outbox);
        }
        catch
        {
            await host.StopAsync(CancellationToken.None).ConfigureAwait(false);
            host.Dispose();
            await outbox.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        _running[shard] = new RunningShard(connectionString, host, outbox);
        Log.ShardOutboxStarted(logger, shard, outbox.Options.RelayCount);
    }

    // Withdraws the outbox first (GetOutbox no longer returns it), then stops its relays, then closes its data source.
    private async Task StopShardAsync(string shard, CancellationToken cancellationToken)
    {
        var running = _running[shard];
        _running.Remove(shard);
        provider.Detach(shard);
        try
        {
            await running.Host.StopAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            running.Host.Dispose();
            await running.Outbox.DisposeAsync().ConfigureAwait(false);
        }

        Log.ShardOutboxStopped(logger, shard);
    }

    private sealed record RunningShard(string ConnectionString, OutboxRelayHost Host, Outbox Outbox);
}
