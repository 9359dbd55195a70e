using System.Text;
using Scalable.Sharding.Internal.Routing;

namespace Scalable.Sharding;

/// <summary>
/// Consistent hashing with bounded loads (Mirrokni, Thorup and Zadimoghaddam; as in HAProxy and Vimeo) for routing
/// requests: a key goes to its ring owner (the shard <see cref="ShardRouters.HashRing"/> picks for the same shards) unless that shard already holds more than (1 + epsilon) times its fair share
/// of the requests in flight, in which case it goes to the next shard clockwise with room. Thread-safe.
/// </summary>
public sealed class BoundedLoadBalancer
{
    private readonly SortedPoints _ring;
    private readonly double[] _shares;
    private readonly int[] _loads;
    private readonly double _epsilon;
    private readonly object _gate = new();
    private int _total;

    /// <summary>Creates a balancer over the shards.</summary>
    /// <param name="nodes">The shards, with unique names and positive weights.</param>
    /// <param name="epsilon">How far above its fair share a shard may go (default 0.25: at most 1.25 x the average).</param>
    /// <param name="pointsPerWeight">Ring points per unit of weight (default 160).</param>
    /// <exception cref="ArgumentException">The shard list is invalid.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="epsilon"/> is not positive, or <paramref name="pointsPerWeight"/> is less than 1.</exception>
    public BoundedLoadBalancer(IEnumerable<ShardNode> nodes, double epsilon = 0.25, int pointsPerWeight = ShardRouters.DefaultPointsPerWeight)
    {
        var list = NodeList.Validate(nodes, nameof(nodes));
        if (!(epsilon > 0) || double.IsInfinity(epsilon))
        {
            throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "epsilon must be a positive number, for example 0.25.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(pointsPerWeight, 1);
        _ring = SortedPoints.FromNames(list, pointsPerWeight);
        var totalWeight = list.Sum(n => n.Weight);
        _shares = list.Select(n => n.Weight / totalWeight).ToArray();
        _loads = new int[list.Length];
        _epsilon = epsilon;
    }

    /// <summary>Gets the number of shards.</summary>
    public int ShardCount => _loads.Length;

    /// <summary>Gets the number of requests in flight (acquired and not yet released).</summary>
    public int TotalLoad => Volatile.Read(ref _total);

    /// <summary>Gets the number of requests in flight on one shard.</summary>
    /// <param name="shardIndex">The shard index.</param>
    /// <returns>The shard's load.</returns>
    public int GetLoad(int shardIndex) => Volatile.Read(ref _loads[shardIndex]);

    /// <summary>Chooses a shard for a request with this key and counts the request against it until <see cref="Release"/>.</summary>
    /// <param name="key">The request key as bytes.</param>
    /// <returns>The chosen shard index.</returns>
    public int Acquire(ReadOnlySpan<byte> key)
    {
        // Start at the point the hash ring router picks, so without load a key goes to the same shard as with ShardRouters.HashRing.
        var start = _ring.MultiProbe(XxHash64.Hash(key));
        lock (_gate)
        {
            var total = _total + 1;
            for (var step = 0; step < _ring.Count; step++)
            {
                var owner = _ring.OwnerAt((start + step) % _ring.Count);
                if (_loads[owner] < Capacity(owner, total))
                {
                    _loads[owner]++;
                    _total = total;
                    return owner;
                }
            }
        }

        throw new InvalidOperationException("No shard has capacity; this cannot happen while epsilon is positive.");
    }

    /// <summary>Chooses a shard for a request with a string key (hash tags apply) and counts the request against it.</summary>
    /// <param name="key">The request key.</param>
    /// <returns>The chosen shard index.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> is null.</exception>
    public int Acquire(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var part = HashTag.GetRoutingPart(key);
        var max = Encoding.UTF8.GetMaxByteCount(part.Length);
        Span<byte> buffer = max <= 256 ? stackalloc byte[256] : new byte[max];
        return Acquire(buffer[..Encoding.UTF8.GetBytes(part, buffer)]);
    }

    /// <summary>Ends a request that <see cref="Acquire(ReadOnlySpan{byte})"/> placed on the shard.</summary>
    /// <param name="shardIndex">The shard index that Acquire returned.</param>
    /// <exception cref="InvalidOperationException">The shard has no request in flight.</exception>
    public void Release(int shardIndex)
    {
        lock (_gate)
        {
            if (_loads[shardIndex] == 0)
            {
                throw new InvalidOperationException($"Shard {shardIndex} has no request in flight to release.");
            }

            _loads[shardIndex]--;
            _total--;
        }
    }

    private int Capacity(int owner, int total) => (int)Math.Ceiling((1 + _epsilon) * total * _shares[owner]);
}
