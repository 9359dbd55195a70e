using System.Text;
using BenchmarkDotNet.Attributes;
using Scalable.Sharding;
using Scalable.Sharding.Internal.Routing;

namespace Scalable.Benchmarks.Sharding;

/// <summary>
/// One lookup per call: a 16-character string key (16 UTF-8 bytes) to a shard index, including UTF-8 encoding and
/// hashing. The baseline is the naive XXH64(key) % 16, which is not consistent (changing N moves almost every key).
/// Min and median are shown next to the mean because the build machines are shared: interference only ever adds time.
/// </summary>
[MemoryDiagnoser]
[ShortRunJob]
[MinColumn]
[MedianColumn]
public class ShardingRouterLookupBenchmarks
{
    private const int Shards = 16;
    private const int KeyMask = 1023;
    private string[] _keys = [];
    private byte[][] _utf8Keys = [];
    private IShardRouter _ring = null!;
    private IShardRouter _ketama = null!;
    private IShardRouter _jump = null!;
    private IShardRouter _rendezvous = null!;
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        _keys = Enumerable.Range(0, KeyMask + 1)
            .Select(_ => new string(Enumerable.Range(0, 16).Select(_ => (char)random.Next('a', 'z' + 1)).ToArray()))
            .ToArray();
        _utf8Keys = _keys.Select(Encoding.UTF8.GetBytes).ToArray();
        var nodes = Enumerable.Range(0, Shards).Select(i => new ShardNode($"shard-{i:D2}")).ToArray();
        _ring = ShardRouters.HashRing(nodes);
        _ketama = ShardRouters.Ketama(nodes);
        _jump = ShardRouters.JumpHash(Shards);
        _rendezvous = ShardRouters.Rendezvous(nodes);
    }

    [Benchmark(Baseline = true, Description = "hash % N (baseline)")]
    public int HashModulo()
    {
        var key = NextKey();
        Span<byte> bytes = stackalloc byte[64];
        var length = Encoding.UTF8.GetBytes(key, bytes);
        return (int)(XxHash64.Hash(bytes[..length]) % Shards);
    }

    [Benchmark(Description = "jump hash")]
    public int JumpHash() => _jump.GetShardIndex(NextKey());

    [Benchmark(Description = "ring 16 x 160")]
    public int Ring() => _ring.GetShardIndex(NextKey());

    [Benchmark(Description = "Ketama 16 x 160 (MD5)")]
    public int Ketama() => _ketama.GetShardIndex(NextKey());

    [Benchmark(Description = "rendezvous 16")]
    public int Rendezvous() => _rendezvous.GetShardIndex(NextKey());

    // The same lookups with the key already in UTF-8 bytes, to show what encoding a string costs.
    [Benchmark(Description = "jump hash, UTF-8 bytes given")]
    public int JumpHashBytes() => _jump.GetShardIndex(_utf8Keys[_next++ & KeyMask]);

    [Benchmark(Description = "ring 16 x 160, UTF-8 bytes given")]
    public int RingBytes() => _ring.GetShardIndex(_utf8Keys[_next++ & KeyMask]);

    private string NextKey() => _keys[_next++ & KeyMask];
}
