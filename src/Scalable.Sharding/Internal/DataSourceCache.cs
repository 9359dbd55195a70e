using System.Collections.Concurrent;
using Npgsql;

namespace Scalable.Sharding.Internal;

// One pooled NpgsqlDataSource per connection string, shared across topology versions so a swap keeps warm pools.
// The user's hook (ConfigureDataSource) runs once per data source, with the name of the shard it was first built for.
internal sealed class DataSourceCache(Func<Action<string, NpgsqlDataSourceBuilder>?>? hook = null) : IAsyncDisposable, IDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<NpgsqlDataSource>> _sources = new(StringComparer.Ordinal);

    public NpgsqlDataSource Get(string connectionString, string? shardName = null) =>
        _sources.GetOrAdd(connectionString, cs => new Lazy<NpgsqlDataSource>(() => Build(cs, shardName))).Value;

    private NpgsqlDataSource Build(string connectionString, string? shardName)
    {
        var configure = hook?.Invoke();
        if (configure is null || shardName is null)
        {
            return NpgsqlDataSource.Create(connectionString);
        }

        var builder = new NpgsqlDataSourceBuilder(connectionString);
        configure(shardName, builder);
        return builder.Build();
    }

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
