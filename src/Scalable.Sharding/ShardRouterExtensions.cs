using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Text;
using Scalable.Sharding.Internal.Routing;

namespace Scalable.Sharding;

/// <summary>Routes strings, GUIDs and integers with any <see cref="IShardRouter"/>, without allocating.</summary>
[SkipLocalsInit]
public static class ShardRouterExtensions
{
    private const int StackLimit = 256;
    private const int AsciiCharPathLimit = 32;

    /// <summary>Returns the shard index for a string key, routed by the UTF-8 bytes of its hash tag (see <see cref="HashTag"/>) or of the whole key.</summary>
    /// <param name="router">The router.</param>
    /// <param name="key">The key.</param>
    /// <returns>The shard index.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="router"/> or <paramref name="key"/> is null.</exception>
    public static int GetShardIndex(this IShardRouter router, string key)
    {
        ArgumentNullException.ThrowIfNull(router);
        ArgumentNullException.ThrowIfNull(key);
        return router.GetShardIndex(key.AsSpan());
    }

    /// <summary>Returns the shard index for a key given as characters, routed like a string key.</summary>
    /// <param name="router">The router.</param>
    /// <param name="key">The key.</param>
    /// <returns>The shard index.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="router"/> is null.</exception>
    public static int GetShardIndex(this IShardRouter router, ReadOnlySpan<char> key)
    {
        ArgumentNullException.ThrowIfNull(router);
        var part = HashTag.GetRoutingPart(key);
        var ascii = Ascii.IsValid(part);

        // Most keys are short and ASCII, and the built-in routers use nothing but the key's XXH64: hash such a key's chars
        // directly (exactly the hash of their UTF-8 bytes) instead of encoding it into a stack buffer first. Up to about
        // 32 chars that is faster; beyond, the vectorized encoding plus the byte hash wins (KeyHashBenchmarks), so longer
        // keys, other keys and custom routers take the general path below.
        if (ascii && part.Length <= AsciiCharPathLimit && BitConverter.IsLittleEndian && router is IXxHash64Router hashRouter)
        {
            return hashRouter.GetShardIndexOfHash(XxHash64.HashAscii(part));
        }

        // An ASCII key's UTF-8 form is exactly one byte per char, so it fits the stack buffer up to StackLimit chars.
        var max = ascii ? part.Length : Encoding.UTF8.GetMaxByteCount(part.Length);
        if (max <= StackLimit)
        {
            Span<byte> buffer = stackalloc byte[StackLimit];
            var written = Encoding.UTF8.GetBytes(part, buffer);
            return router.GetShardIndex(buffer[..written]);
        }

        var rented = ArrayPool<byte>.Shared.Rent(max);
        try
        {
            var written = Encoding.UTF8.GetBytes(part, rented);
            return router.GetShardIndex(rented.AsSpan(0, written));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>Returns the shard index for a GUID key, routed by its 16 bytes in <see cref="Guid.ToByteArray()"/> order.</summary>
    /// <param name="router">The router.</param>
    /// <param name="key">The key.</param>
    /// <returns>The shard index.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="router"/> is null.</exception>
    public static int GetShardIndex(this IShardRouter router, Guid key)
    {
        ArgumentNullException.ThrowIfNull(router);
        Span<byte> bytes = stackalloc byte[16];
        key.TryWriteBytes(bytes);
        return router.GetShardIndex(bytes);
    }

    /// <summary>Returns the shard index for a 64-bit integer key, routed by its eight little-endian bytes.</summary>
    /// <param name="router">The router.</param>
    /// <param name="key">The key.</param>
    /// <returns>The shard index.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="router"/> is null.</exception>
    public static int GetShardIndex(this IShardRouter router, long key)
    {
        ArgumentNullException.ThrowIfNull(router);
        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, key);
        return router.GetShardIndex(bytes);
    }

    /// <summary>Returns the shard index for a 32-bit integer key, routed exactly like the same value as a 64-bit key (so 42 and 42L go to the same shard).</summary>
    /// <param name="router">The router.</param>
    /// <param name="key">The key.</param>
    /// <returns>The shard index.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="router"/> is null.</exception>
    public static int GetShardIndex(this IShardRouter router, int key) => router.GetShardIndex((long)key);
}
