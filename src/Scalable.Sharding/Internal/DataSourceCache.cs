using System.Collections.Concurrent;
using Npgsql;

namespace Scalable.Sharding.Internal;

/// <summary>One pooled <see cref="NpgsqlDataSource"/> per connection string, shared across topology versions so a swap keeps warm pools.</summary>
internal sealed class DataSourceCache : IAsyncDisposable, IDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<NpgsqlDataSource>> _sources = new(StringComparer.Ordinal);

    public NpgsqlDataSource Get(string connectionString) =>
        _sources.GetOrAdd(connectionString, static cs => new Lazy<NpgsqlDataSource>(() => NpgsqlDataSource.Create(cs))).Value;

    public async ValueTask DisposeAsync()
    {
        foreach (var source in _sources.Values.Where(s => s.IsValueCreated))
        {
            await source.Value.DisposeAsync().ConfigureAwait(false);
        }

        _sources.Clear();
    }

    public void Dispose()
    {
        foreach (var source in _sources.Values.Where(s => s.IsValueCreated))
        {
            source.Value.Dispose();
        }

        _sources.Clear();
    }
}
