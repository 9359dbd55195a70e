using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace Scalable.Sharding.Internal.Routing;

/// <summary>
/// MD5 (RFC 1321) in managed code, for Ketama routing only (not for security). The platform's MD5 goes through the
/// native crypto library, which costs about a microsecond per call for a short key; this costs tens of nanoseconds.
/// </summary>
[SkipLocalsInit]
internal static class Md5
{
    private static readonly int[] Shifts =
    [
        7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
        5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20,
        4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
        6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
    ];

    // K[i] = floor(|sin(i + 1)| x 2^32), as RFC 1321 defines them; the tests compare against the platform's MD5.
    private static readonly uint[] Constants = Enumerable.Range(1, 64).Select(i => (uint)(long)Math.Floor(Math.Abs(Math.Sin(i)) * 4294967296.0)).ToArray();

    public static void Hash(ReadOnlySpan<byte> data, Span<byte> digest)
    {
        uint a = 0x67452301, b = 0xefcdab89, c = 0x98badcfe, d = 0x10325476;
        var length = data.Length;
        while (data.Length >= 64)
        {
            Block(data, ref a, ref b, ref c, ref d);
            data = data[64..];
        }

        Span<byte> tail = stackalloc byte[128];
        data.CopyTo(tail);
        tail[data.Length] = 0x80;
        var tailLength = data.Length < 56 ? 64 : 128;
        tail[(data.Length + 1)..tailLength].Clear();
        BinaryPrimitives.WriteUInt64LittleEndian(tail[(tailLength - 8)..], (ulong)length * 8);
        Block(tail, ref a, ref b, ref c, ref d);
        if (tailLength == 128)
        {
            Block(tail[64..], ref a, ref b, ref c, ref d);
        }

        BinaryPrimitives.WriteUInt32LittleEndian(digest, a);
        BinaryPrimitives.WriteUInt32LittleEndian(digest[4..], b);
        BinaryPrimitives.WriteUInt32LittleEndian(digest[8..], c);
        BinaryPrimitives.WriteUInt32LittleEndian(digest[12..], d);
    }

    private static void Block(ReadOnlySpan<byte> block, ref uint a0, ref uint b0, ref uint c0, ref uint d0)
    {
        Span<uint> m = stackalloc uint[16];
        for (var i = 0; i < 16; i++)
        {
            m[i] = BinaryPrimitives.ReadUInt32LittleEndian(block[(i * 4)..]);
        }

        uint a = a0, b = b0, c = c0, d = d0;
        for (var i = 0; i < 16; i++)
        {
            Step(ref a, ref b, ref c, ref d, (b & c) | (~b & d), m[i], i);
        }

        for (var i = 16; i < 32; i++)
        {
            Step(ref a, ref b, ref c, ref d, (d & b) | (~d & c), m[((5 * i) + 1) & 15], i);
        }

        for (var i = 32; i < 48; i++)
        {
            Step(ref a, ref b, ref c, ref d, b ^ c ^ d, m[((3 * i) + 5) & 15], i);
        }

        for (var i = 48; i < 64; i++)
        {
            Step(ref a, ref b, ref c, ref d, c ^ (b | ~d), m[(7 * i) & 15], i);
        }

        a0 += a;
        b0 += b;
        c0 += c;
        d0 += d;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Step(ref uint a, ref uint b, ref uint c, ref uint d, uint f, uint word, int round)
    {
        f += a + Constants[round] + word;
        a = d;
        d = c;
        c = b;
        b += BitOperations.RotateLeft(f, Shifts[round]);
    }
}
