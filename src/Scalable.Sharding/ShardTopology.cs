using Scalable.Sharding.Internal;

namespace Scalable.Sharding;

/// <summary>An immutable version of the shard map: the shards, in order, and the router that maps keys to them.</summary>
public sealed class ShardTopology
{
    private readonly Dictionary<string, int> _indexByName;

    private ShardTopology(IReadOnlyList<ShardDefinition> shards, ShardRouterKind routerKind, IShardRouter router, long version, int pointsPerWeight)
    {
        PointsPerWeight = pointsPerWeight;
        Shards = shards;
        RouterKind = routerKind;
        Router = router;
        Version = version;
        _indexByName = shards.Select((s, i) => (s.Name, i)).ToDictionary(p => p.Name, p => p.i, StringComparer.Ordinal);
    }

    /// <summary>Gets the version number; each swap at run time gives a higher one.</summary>
    public long Version { get; }

    /// <summary>Gets the shards, in routing order.</summary>
    public IReadOnlyList<ShardDefinition> Shards { get; }

    /// <summary>Gets the routing algorithm.</summary>
    public ShardRouterKind RouterKind { get; }

    /// <summary>Gets the router; its indexes point into <see cref="Shards"/>.</summary>
    public IShardRouter Router { get; }

    internal int PointsPerWeight { get; }

    // What routes keys (router, shard names, weights), for identifiers that must be equal in every process.
    internal string Describe() =>
        $"{RouterKind}:{string.Join(',', Shards.Select(s => $"{s.Name}*{s.Weight.ToString(System.Globalization.CultureInfo.InvariantCulture)}"))}";

    /// <summary>Creates a topology from shard definitions.</summary>
    /// <param name="shards">The shards, in order.</param>
    /// <param name="routerKind">The routing algorithm (default: hash ring).</param>
    /// <param name="pointsPerWeight">Ring points per unit of weight for the hash ring (default 160).</param>
    /// <param name="version">The version number (default 1).</param>
    /// <returns>The topology.</returns>
    /// <exception cref="ArgumentException">The shard list is empty, has duplicate names or non-positive weights, or jump hash is given weights.</exception>
    public static ShardTopology Create(IEnumerable<ShardDefinition> shards, ShardRouterKind routerKind = ShardRouterKind.HashRing, int pointsPerWeight = ShardRouters.DefaultPointsPerWeight, long version = 1)
    {
        ArgumentNullException.ThrowIfNull(shards);
        var list = shards.ToArray();
        var router = ShardRouters.Create(routerKind, list.Select(s => new ShardNode(s.Name, s.Weight)), pointsPerWeight);
        return new ShardTopology(list, routerKind, router, version, pointsPerWeight);
    }

    /// <summary>Creates a topology from options, after validating them.</summary>
    /// <param name="options">The options.</param>
    /// <param name="version">The version number.</param>
    /// <returns>The topology.</returns>
    /// <exception cref="ArgumentException">The options are invalid; the message names each bad setting.</exception>
    public static ShardTopology FromOptions(ScalableShardingOptions options, long version = 1)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = ShardingOptionsValidation.Errors(options).ToList();
        if (errors.Count > 0)
        {
            throw new ArgumentException("The shard map is invalid: " + string.Join(" ", errors), nameof(options));
        }

        var shards = options.Shards.Select(s => new ShardDefinition(s.Name, s.ConnectionString, s.Weight, s.ReadReplicas));
        return Create(shards, options.Router, options.PointsPerWeight, version);
    }

    /// <summary>Returns the shard that owns a string key (hash tags apply).</summary>
    /// <param name="key">The key.</param>
    /// <returns>The owning shard.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> is null.</exception>
    public ShardDefinition GetShard(string key) => Shards[Router.GetShardIndex(key)];

    /// <summary>Returns the shard that owns a GUID key.</summary>
    /// <param name="key">The key.</param>
    /// <returns>The owning shard.</returns>
    public ShardDefinition GetShard(Guid key) => Shards[Router.GetShardIndex(key)];

    /// <summary>Returns the shard that owns a 64-bit integer key.</summary>
    /// <param name="key">The key.</param>
    /// <returns>The owning shard.</returns>
    public ShardDefinition GetShard(long key) => Shards[Router.GetShardIndex(key)];

    /// <summary>Returns the shard that owns a key of one of the supported types: string, Guid, long or int (an int routes like the same long).</summary>
    /// <param name="key">The key.</param>
    /// <returns>The owning shard.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> is null.</exception>
    /// <exception cref="ArgumentException">The key's type is not supported.</exception>
    public ShardDefinition GetShardForKey(object key) => key switch
    {
        null => throw new ArgumentNullException(nameof(key)),
        string s => GetShard(s),
        Guid g => GetShard(g),
        long l => GetShard(l),
        int i => GetShard((long)i),
        _ => throw new ArgumentException($"Shard keys of type {key.GetType().Name} are not supported; use string, Guid, long or int.", nameof(key)),
    };

    /// <summary>Returns the shard with the given name.</summary>
    /// <param name="name">The shard name.</param>
    /// <returns>The shard.</returns>
    /// <exception cref="ArgumentException">No shard has that name.</exception>
    public ShardDefinition GetShardByName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return _indexByName.TryGetValue(name, out var index)
            ? Shards[index]
            : throw new ArgumentException($"Unknown shard '{name}'. Known shards: {string.Join(", ", Shards.Select(s => s.Name))}.", nameof(name));
    }
}
