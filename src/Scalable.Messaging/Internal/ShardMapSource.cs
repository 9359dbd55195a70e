using Microsoft.Extensions.Options;

namespace Scalable.Messaging.Internal;

// The shards of a reloadable shard map (name -> connection string) and a way to hear of its reloads; only the default (unnamed) options describe the map.
internal sealed class ShardMapSource(Func<IReadOnlyDictionary<string, string>> read, Func<Action, IDisposable?> subscribe)
{
    public IReadOnlyDictionary<string, string> Read() => read();

    public IDisposable? Subscribe(Action changed) => subscribe(changed);

    public static ShardMapSource From<TShardMap>(IOptionsMonitor<TShardMap> monitor, Func<TShardMap, IEnumerable<KeyValuePair<string, string>>> shards)
        where TShardMap : class
        => new(
            () => shards(monitor.CurrentValue).ToDictionary(s => s.Key, s => s.Value, StringComparer.Ordinal),
            changed => monitor.OnChange((_, name) =>
            {
                if (string.IsNullOrEmpty(name))
                {
                    changed();
                }
            }));
}
