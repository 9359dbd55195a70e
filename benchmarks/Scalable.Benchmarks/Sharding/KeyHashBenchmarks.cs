using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text;
using BenchmarkDotNet.Attributes;
using Scalable.Sharding;
using Scalable.Sharding.Internal.Routing;
using ReferenceXxHash64 = System.IO.Hashing.XxHash64;

namespace Scalable.Benchmarks.Sharding;

/// <summary>
/// The key hash on the routing path: our XXH64 against System.IO.Hashing's <c>XxHash64.HashToUInt64</c> (the baseline),
/// for string keys as users pass them. System.IO.Hashing hashes bytes, so its string rows include the UTF-8 encoding into
/// a stack buffer; ours hashes ASCII chars directly. The router rows route a string key through jump hash with each hash.
/// 1,024 distinct keys of each kind are used in turn. Stack buffers are not zeroed ([SkipLocalsInit]), as in the router.
/// </summary>
[MemoryDiagnoser]
[ShortRunJob]
[MinColumn]
[MedianColumn]
[SkipLocalsInit]
public class ShardingKeyHashBenchmarks
{
    private const int KeyMask = 1023;
    private const int StackLimit = 512;
    private string[] _keys = [];
    private byte[][] _utf8Keys = [];
    private IShardRouter _jump = null!;
    private IXxHash64Router _jumpByHash = null!;
    private int _next;

    /// <summary>Gets or sets the kind of key: "user:12345" (10 chars), a 36-char GUID string, or a 160-char key.</summary>
    [Params("user-id", "guid", "long-160")]
    public string Keys { get; set; } = "user-id";

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        _keys = Enumerable.Range(0, KeyMask + 1).Select(i => Keys switch
        {
            "user-id" => $"user:{random.Next(10_000, 100_000)}",
            "guid" => new Guid(Enumerable.Range(0, 16).Select(_ => (byte)random.Next(256)).ToArray()).ToString("D"),
            _ => $"tenant:{i}:" + new string(Enumerable.Range(0, 160).Select(_ => (char)random.Next('a', 'z' + 1)).ToArray()),
        }).Select(key => key[..Math.Min(key.Length, 160)]).ToArray();
        _utf8Keys = _keys.Select(Encoding.UTF8.GetBytes).ToArray();
        _jump = ShardRouters.JumpHash(16);
        _jumpByHash = (IXxHash64Router)_jump;
    }

    [Benchmark(Baseline = true, Description = "System.IO.Hashing, string (UTF-8 encode + hash)")]
    public ulong SystemString() => SystemHash(_keys[_next++ & KeyMask]);

    [Benchmark(Description = "ours, string (ASCII check + hash of the chars)")]
    public ulong OursString()
    {
        var key = _keys[_next++ & KeyMask];
        return Ascii.IsValid(key) ? XxHash64.HashAscii(key) : XxHash64.Hash(Encoding.UTF8.GetBytes(key));
    }

    [Benchmark(Description = "System.IO.Hashing, UTF-8 bytes given")]
    public ulong SystemBytes() => ReferenceXxHash64.HashToUInt64(_utf8Keys[_next++ & KeyMask]);

    [Benchmark(Description = "ours, UTF-8 bytes given")]
    public ulong OursBytes() => XxHash64.Hash(_utf8Keys[_next++ & KeyMask]);

    [Benchmark(Description = "jump hash of a string key, System.IO.Hashing")]
    public int RouteSystem() => _jumpByHash.GetShardIndexOfHash(SystemHash(HashTag.GetRoutingPart(_keys[_next++ & KeyMask])));

    [Benchmark(Description = "jump hash of a string key, ours (GetShardIndex)")]
    public int RouteOurs() => _jump.GetShardIndex(_keys[_next++ & KeyMask]);

    // What a caller of System.IO.Hashing writes for a string: encode into a stack buffer (a rented one for long keys), hash.
    private static ulong SystemHash(ReadOnlySpan<char> key)
    {
        var max = Encoding.UTF8.GetMaxByteCount(key.Length);
        if (max <= StackLimit)
        {
            Span<byte> buffer = stackalloc byte[StackLimit];
            var written = Encoding.UTF8.GetBytes(key, buffer);
            return ReferenceXxHash64.HashToUInt64(buffer[..written]);
        }

        var rented = ArrayPool<byte>.Shared.Rent(max);
        try
        {
            return ReferenceXxHash64.HashToUInt64(rented.AsSpan(0, Encoding.UTF8.GetBytes(key, rented)));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }
}
