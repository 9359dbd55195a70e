using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Scalable.Sharding.Internal.Routing;

// The XXH64 hash (xxHash, 64-bit variant), stable across processes, machines and versions: the key hash of every
// built-in router except Ketama. It equals System.IO.Hashing.XxHash64 (tested on many inputs) and is kept, internal, because
// it can hash an ASCII string straight from its chars, which makes string-key routing faster than encoding to UTF-8 first
// (docs/performance.md, Sharding).
internal static partial class XxHash64
{
    private const ulong Prime1 = 11400714785074694791UL;
    private const ulong Prime2 = 14029467366897019727UL;
    private const ulong Prime3 = 1609587929392839161UL;
    private const ulong Prime4 = 9650029242287828579UL;
    private const ulong Prime5 = 2870177450012600261UL;

    // Seed 0 gives the unseeded XXH64 value.
    public static ulong Hash(ReadOnlySpan<byte> data, ulong seed = 0) =>
        Hash<Utf8Bytes>(ref MemoryMarshal.GetReference(data), data.Length, seed);

    // The hash of a 64-bit value's eight little-endian bytes, without a buffer: equal to Hash(bytes) over the same eight bytes.
    public static ulong Hash(ulong value, ulong seed = 0)
    {
        var hash = seed + Prime5 + 8;
        hash ^= Round(0, value);
        hash = (BitOperations.RotateLeft(hash, 27) * Prime1) + Prime4;
        return Avalanche(hash);
    }

    // XXH64 over length input bytes that TInput reads from data.
    // Generic over the reader so that the byte path and the ASCII-char path share one implementation; the JIT compiles a
    // separate body per struct reader, so the reads inline and nothing is dispatched at run time. Reads go through
    // ref plus offset because the loop conditions already bound every read: span slicing re-checked them.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Hash<TInput>(ref byte data, int length, ulong seed)
        where TInput : struct, IInput
    {
        nint offset = 0;
        ulong hash;
        if (length >= 32)
        {
            var v1 = seed + Prime1 + Prime2;
            var v2 = seed + Prime2;
            var v3 = seed;
            var v4 = seed - Prime1;
            do
            {
                v1 = Round(v1, TInput.Read64(ref data, offset));
                v2 = Round(v2, TInput.Read64(ref data, offset + 8));
                v3 = Round(v3, TInput.Read64(ref data, offset + 16));
                v4 = Round(v4, TInput.Read64(ref data, offset + 24));
                offset += 32;
            }
            while (length - offset >= 32);

            hash = BitOperations.RotateLeft(v1, 1) + BitOperations.RotateLeft(v2, 7) + BitOperations.RotateLeft(v3, 12) + BitOperations.RotateLeft(v4, 18);
            hash = MergeRound(hash, v1);
            hash = MergeRound(hash, v2);
            hash = MergeRound(hash, v3);
            hash = MergeRound(hash, v4);
        }
        else
        {
            hash = seed + Prime5;
        }

        hash += (ulong)length;
        while (length - offset >= 8)
        {
            hash ^= Round(0, TInput.Read64(ref data, offset));
            hash = (BitOperations.RotateLeft(hash, 27) * Prime1) + Prime4;
            offset += 8;
        }

        if (length - offset >= 4)
        {
            hash ^= TInput.Read32(ref data, offset) * Prime1;
            hash = (BitOperations.RotateLeft(hash, 23) * Prime2) + Prime3;
            offset += 4;
        }

        while (offset < length)
        {
            hash ^= TInput.Read8(ref data, offset) * Prime5;
            hash = BitOperations.RotateLeft(hash, 11) * Prime1;
            offset++;
        }

        return Avalanche(hash);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Round(ulong accumulator, ulong input)
    {
        accumulator += input * Prime2;
        return BitOperations.RotateLeft(accumulator, 31) * Prime1;
    }

    private static ulong MergeRound(ulong accumulator, ulong value)
    {
        accumulator ^= Round(0, value);
        return (accumulator * Prime1) + Prime4;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Avalanche(ulong hash)
    {
        hash ^= hash >> 33;
        hash *= Prime2;
        hash ^= hash >> 29;
        hash *= Prime3;
        hash ^= hash >> 32;
        return hash;
    }
}
