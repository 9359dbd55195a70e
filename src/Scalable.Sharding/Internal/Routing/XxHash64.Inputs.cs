using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace Scalable.Sharding.Internal.Routing;

// The inputs XXH64 reads: bytes as given, or ASCII chars narrowed to the bytes their UTF-8 encoding would be.
internal static partial class XxHash64
{
    // XXH64 of an all-ASCII key's UTF-8 bytes, read straight from its chars. For ASCII, UTF-8 is one byte per char equal
    // to the char's low byte, so narrowing on the fly gives exactly Hash(ReadOnlySpan<byte>, ulong) of
    // Encoding.UTF8's bytes without encoding into a buffer first: that pass, and reading back bytes the
    // encoder had just stored, cost more than the hash itself.
    // The caller has checked that the key is all ASCII (a non-ASCII char would hash wrongly). Unseeded.
    public static ulong HashAscii(ReadOnlySpan<char> chars)
    {
        // The narrowing below reads chars as little-endian words; the only caller checks BitConverter.IsLittleEndian.
        ref var data = ref Unsafe.As<char, byte>(ref MemoryMarshal.GetReference(chars));
        return Hash<AsciiChars>(ref data, chars.Length, 0);
    }

    // Reads the input's little-endian words at an offset counted in input bytes; the caller keeps reads in bounds.
    private interface IInput
    {
        static abstract ulong Read64(ref byte data, nint offset);

        static abstract uint Read32(ref byte data, nint offset);

        static abstract byte Read8(ref byte data, nint offset);
    }

    private readonly struct Utf8Bytes : IInput
    {
        public static ulong Read64(ref byte data, nint offset) =>
            LittleEndian(Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref data, offset)));

        public static uint Read32(ref byte data, nint offset) =>
            LittleEndian(Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref data, offset)));

        public static byte Read8(ref byte data, nint offset) => Unsafe.Add(ref data, offset);

        private static ulong LittleEndian(ulong value) =>
            BitConverter.IsLittleEndian ? value : BinaryPrimitives.ReverseEndianness(value);

        private static uint LittleEndian(uint value) =>
            BitConverter.IsLittleEndian ? value : BinaryPrimitives.ReverseEndianness(value);
    }

    // ASCII chars (two bytes each, little-endian), read as the one byte per char of their UTF-8 form.
    private readonly struct AsciiChars : IInput
    {
        public static ulong Read64(ref byte data, nint offset) =>
            Narrow4(ref data, offset) | ((ulong)Narrow4(ref data, offset + 4) << 32);

        public static uint Read32(ref byte data, nint offset) => Narrow4(ref data, offset);

        public static byte Read8(ref byte data, nint offset) => Unsafe.Add(ref data, offset * 2);

        // Four chars c0..c3 read as one word hold c_i's byte at bit 16 * i (the high byte of each is 0 for ASCII); two
        // shift-and-mask steps pack them to bits 8 * i, i.e. the four UTF-8 bytes as a little-endian uint.
        private static uint Narrow4(ref byte data, nint offset)
        {
            var words = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref data, offset * 2));
            words = (words | (words >> 8)) & 0x0000_FFFF_0000_FFFFUL;
            return (uint)(words | (words >> 16));
        }
    }
}
