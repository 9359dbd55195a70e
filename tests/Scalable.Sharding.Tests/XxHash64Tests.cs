using System.Text;

namespace Scalable.Sharding.Tests;

public sealed class XxHash64Tests
{
    private const ulong Prime32 = 2654435761UL;

    // The official sanity vectors of the xxHash reference implementation (cli/xsum_sanity_check.c): XXH64 over the first
    // `length` bytes of a generated buffer, unseeded and with seed PRIME32.
    [Theory]
    [InlineData(0, 0UL, 0xEF46DB3751D8E999UL)]
    [InlineData(0, Prime32, 0xAC75FDA2929B17EFUL)]
    [InlineData(1, 0UL, 0xE934A84ADB052768UL)]
    [InlineData(1, Prime32, 0x5014607643A9B4C3UL)]
    [InlineData(4, 0UL, 0x9136A0DCA57457EEUL)]
    [InlineData(14, 0UL, 0x8282DCC4994E35C8UL)]
    [InlineData(14, Prime32, 0xC3BD6BF63DEB6DF0UL)]
    [InlineData(222, 0UL, 0xB641AE8CB691C174UL)]
    [InlineData(222, Prime32, 0x20CB8AB7AE10C14AUL)]
    public void Matches_the_reference_sanity_vectors(int length, ulong seed, ulong expected)
    {
        Assert.Equal(expected, XxHash64.Hash(SanityBuffer(222).AsSpan(0, length), seed));
    }

    [Theory]
    [InlineData("", 0xEF46DB3751D8E999UL)]
    [InlineData("a", 0xD24EC4F1A98C6E5BUL)]
    [InlineData("abc", 0x44BC2CF5AD770999UL)]
    [InlineData("xxhash", 0x32DD38952C4BC720UL)]
    [InlineData("Nobody inspects the spammish repetition", 0xFBCEA83C8A378BF1UL)]
    public void Matches_published_string_vectors(string text, ulong expected)
    {
        Assert.Equal(expected, XxHash64.Hash(Encoding.UTF8.GetBytes(text)));
    }

    [Fact]
    public void Hashing_a_64_bit_value_equals_hashing_its_little_endian_bytes()
    {
        foreach (var value in new[] { 0UL, 1UL, 42UL, ulong.MaxValue, 0x0123456789ABCDEFUL })
        {
            Assert.Equal(XxHash64.Hash(BitConverter.GetBytes(value), 7), XxHash64.Hash(value, 7));
        }
    }

    private static byte[] SanityBuffer(int length)
    {
        var buffer = new byte[length];
        var generator = Prime32;
        for (var i = 0; i < length; i++)
        {
            buffer[i] = (byte)(generator >> 56);
            generator = unchecked(generator * 11400714785074694797UL);
        }

        return buffer;
    }
}
