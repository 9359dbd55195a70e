using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Scalable.Sharding;

namespace Scalable.Messaging.Tests.Support;

// A shard map source that reloads like configuration does: it fills ScalableShardingOptions and fires the options' change token on Reload.
internal sealed class ReloadableShardMap(params (string Name, string ConnectionString)[] shards) : IConfigureOptions<ScalableShardingOptions>, IOptionsChangeTokenSource<ScalableShardingOptions>
{
    private volatile (string Name, string ConnectionString)[] _shards = shards;
    private CancellationTokenSource _changed = new();

    public string Name => Options.DefaultName;

    public IChangeToken GetChangeToken() => new CancellationChangeToken(Volatile.Read(ref _changed).Token);

    public void Configure(ScalableShardingOptions options)
    {
        foreach (var (name, connectionString) in _shards)
        {
            options.Shards.Add(new ShardOptions { Name = name, ConnectionString = connectionString });
        }
    }

    public void Reload(params (string Name, string ConnectionString)[] shards)
    {
        _shards = shards;
        using var old = Interlocked.Exchange(ref _changed, new CancellationTokenSource());
        old.Cancel();
    }
}
