using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Scalable.Sharding.Internal;

namespace Scalable.Sharding;

/// <summary>Holds the current <see cref="ShardTopology"/> and swaps in a new one atomically when the options reload; <c>AddScalableSharding</c> registers the one instance.</summary>
public sealed class ShardMap : IDisposable
{
    private readonly ILogger _logger;
    private readonly IDisposable? _subscription;
    private readonly IDisposable[] _rejectionWatches = [];
    private ShardTopology _current;

    // Follows the options and rebuilds the topology on every reload; throws ArgumentException when the current options
    // are invalid. Internal, as the other constructors: AddScalableSharding creates the one map (tests see it too).
    internal ShardMap(IOptionsMonitor<ScalableShardingOptions> options, ILogger<ShardMap>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _current = ShardTopology.FromOptions(options.CurrentValue);
        _subscription = options.OnChange((value, name) =>
        {
            // Only the default (unnamed) options describe the shard map.
            if (string.IsNullOrEmpty(name) || name == Options.DefaultName)
            {
                Reload(value);
            }
        });
    }

    // From DI, where a validator is registered: the options monitor validates a reloaded value before it calls its listeners,
    // so a reload that fails validation never reaches Reload. Watching the same change tokens and building the options once
    // more (the factory does not cache) sees that rejection, which is logged like any other rejected topology.
    internal ShardMap(
        IOptionsMonitor<ScalableShardingOptions> options,
        IOptionsFactory<ScalableShardingOptions> factory,
        IEnumerable<IOptionsChangeTokenSource<ScalableShardingOptions>> changeSources,
        ILogger<ShardMap>? logger)
        : this(options, logger)
    {
        _rejectionWatches = [.. changeSources
            .Where(source => string.IsNullOrEmpty(source.Name) || source.Name == Options.DefaultName)
            .Select(source => ChangeToken.OnChange(source.GetChangeToken, () => LogIfRejected(factory)))];
    }

    // A fixed map that changes only through Swap, for tests.
    internal ShardMap(ShardTopology initial, ILogger<ShardMap>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(initial);
        _current = initial;
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>Raised after a new topology has been swapped in, with the old and the new topology.</summary>
    public event Action<ShardTopology, ShardTopology>? TopologyChanged;

    /// <summary>Gets the current topology; read it once per operation so the operation sees one consistent version.</summary>
    public ShardTopology Current => Volatile.Read(ref _current);

    /// <summary>Replaces the current topology with a newer version.</summary>
    /// <param name="next">The new topology; its version must be higher than the current one's.</param>
    /// <exception cref="ArgumentException">The new version is not higher than the current one.</exception>
    public void Swap(ShardTopology next)
    {
        ArgumentNullException.ThrowIfNull(next);
        ShardTopology old;
        do
        {
            old = Current;
            if (next.Version <= old.Version)
            {
                throw new ArgumentException($"Topology version {next.Version} is not newer than the current version {old.Version}.", nameof(next));
            }
        }
        while (Interlocked.CompareExchange(ref _current, next, old) != old);

        Log.TopologySwapped(_logger, old.Version, next.Version, next.Shards.Count, next.RouterKind);
        TopologyChanged?.Invoke(old, next);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _subscription?.Dispose();
        foreach (var watch in _rejectionWatches)
        {
            watch.Dispose();
        }
    }

    private void LogIfRejected(IOptionsFactory<ScalableShardingOptions> factory)
    {
        try
        {
            _ = factory.Create(Options.DefaultName);
        }
        catch (OptionsValidationException ex)
        {
            Log.TopologyRejected(_logger, Current.Version, ex);
        }
    }

    private void Reload(ScalableShardingOptions options)
    {
        var version = Current.Version;
        try
        {
            Swap(ShardTopology.FromOptions(options, version + 1));
        }
        catch (ArgumentException ex)
        {
            Log.TopologyRejected(_logger, version, ex);
        }
    }
}
