using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Scalable.Messaging.Internal;

// Creates each registered outbox once, from its named options, and disposes them with the container.
internal sealed class OutboxProvider(IEnumerable<OutboxRegistration> registrations, IEnumerable<DataSourceConfiguration> dataSourceConfigurations, IOptionsMonitor<ScalableMessagingOptions> options, IServiceProvider services) : IOutboxProvider, IAsyncDisposable, IDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<Outbox>> _outboxes = new(StringComparer.Ordinal);
    private readonly HashSet<string> _names = registrations.Select(r => r.Name).ToHashSet(StringComparer.Ordinal);
    private readonly Action<string, NpgsqlDataSourceBuilder>[] _configureDataSource = dataSourceConfigurations.Select(c => c.Configure).ToArray();

    public IReadOnlyCollection<string> Names => _names;

    public Outbox GetOutbox(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!_names.Contains(name))
        {
            throw new ArgumentException($"No outbox named '{name}' is registered; call AddScalableMessaging(...).AddOutbox(\"{name}\", ...) first.", nameof(name));
        }

        var timeProvider = services.GetService<TimeProvider>() ?? TimeProvider.System;
        return _outboxes.GetOrAdd(name, n => new Lazy<Outbox>(() => new Outbox(n, options.Get(n), timeProvider, ConfigureDataSource))).Value;
    }

    private void ConfigureDataSource(string name, NpgsqlDataSourceBuilder builder)
    {
        foreach (var configure in _configureDataSource)
        {
            configure(name, builder);
        }
    }

    public void Dispose()
    {
        foreach (var outbox in _outboxes.Values.Where(o => o.IsValueCreated))
        {
            outbox.Value.Dispose();
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var outbox in _outboxes.Values.Where(o => o.IsValueCreated))
        {
            await outbox.Value.DisposeAsync().ConfigureAwait(false);
        }
    }
}
