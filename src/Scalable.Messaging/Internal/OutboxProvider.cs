using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Scalable.Messaging.Internal;

// Creates each registered outbox once, from its named options, and disposes them with the container.
// Outboxes that follow a shard map are attached and detached at run time by ShardOutboxes.
internal sealed class OutboxProvider(IEnumerable<OutboxRegistration> registrations, IEnumerable<DataSourceConfiguration> dataSourceConfigurations, IOptionsMonitor<ScalableMessagingOptions> options, IServiceProvider services) : IOutboxProvider, IAsyncDisposable, IDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<Outbox>> _outboxes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Outbox> _attached = new(StringComparer.Ordinal);
    private readonly HashSet<string> _names = registrations.Select(r => r.Name).ToHashSet(StringComparer.Ordinal);
    private readonly Action<string, NpgsqlDataSourceBuilder>[] _configureDataSource = dataSourceConfigurations.Select(c => c.Configure).ToArray();

    public IReadOnlyCollection<string> Names => _attached.IsEmpty ? _names : [.. _names, .. _attached.Keys];

    private TimeProvider TimeProvider => services.GetService<TimeProvider>() ?? TimeProvider.System;

    public Outbox GetOutbox(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (_attached.TryGetValue(name, out var attached))
        {
            return attached;
        }

        if (!_names.Contains(name))
        {
            throw new ArgumentException($"No outbox named '{name}' is registered; call AddScalableMessaging(...).AddOutbox(\"{name}\", ...) first (or add the shard to the shard map that AddShardOutboxes follows).", nameof(name));
        }

        return _outboxes.GetOrAdd(name, n => new Lazy<Outbox>(() => new Outbox(n, options.Get(n), TimeProvider, ConfigureDataSource))).Value;
    }

    // Creates the outbox of a shard that joined the shard map; Attach publishes it once its schema step ran.
    public Outbox Create(string name, ScalableMessagingOptions outboxOptions)
    {
        if (_names.Contains(name) || _attached.ContainsKey(name))
        {
            throw new InvalidOperationException($"An outbox named '{name}' exists already (registered with AddOutbox, or a shard map followed twice); give one of them another name.");
        }

        return new Outbox(name, outboxOptions, TimeProvider, ConfigureDataSource);
    }

    public void Attach(Outbox outbox)
    {
        if (!_attached.TryAdd(outbox.Name, outbox))
        {
            throw new InvalidOperationException($"An outbox named '{outbox.Name}' exists already (a shard map followed twice); give one of them another name.");
        }
    }

    // Withdraws the outbox of a shard that left the shard map; the caller disposes it once its relay stopped.
    public Outbox? Detach(string name) => _attached.TryRemove(name, out var outbox) ? outbox : null;

    private void ConfigureDataSource(string name, NpgsqlDataSourceBuilder builder)
    {
        foreach (var configure in _configureDataSource)
        {
            configure(name, builder);
        }
    }

    public void Dispose()
    {
        foreach (var outbox in _outboxes.Values.Where(o => o.IsValueCreated).Select(o => o.Value).Concat(_attached.Values))
        {
            outbox.Dispose();
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var outbox in _outboxes.Values.Where(o => o.IsValueCreated).Select(o => o.Value).Concat(_attached.Values))
        {
            await outbox.DisposeAsync().ConfigureAwait(false);
        }
    }
}
