using System.Text;
using Scalable.Sharding.Internal.Routing;
using ReferenceXxHash64 = System.IO.Hashing.XxHash64;

namespace Scalable.Sharding.Tests.Routing;

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

    // System.IO.Hashing's XxHash64 is an independent implementation of the same function: ours must agree with it on
    // every length (each length 0-64 covers the stripe loop, the 8-, 4- and 1-byte tails) and on random longer inputs and seeds.
    [Fact]
    public void Equals_System_IO_Hashing_on_random_bytes_and_seeds()
    {
        var random = new Random(20261130);
        var lengths = Enumerable.Range(0, 65).Concat(Enumerable.Range(0, 400).Select(_ => random.Next(65, 301)));
        foreach (var length in lengths)
        {
            var data = new byte[length];
            random.NextBytes(data);
            foreach (var seed in new[] { 0UL, (ulong)random.NextInt64(), ulong.MaxValue - (ulong)random.Next() })
            {
                Assert.True(
                    ReferenceXxHash64.HashToUInt64(data, unchecked((long)seed)) == XxHash64.Hash(data, seed),
                    $"length {length}, seed {seed}");
            }
        }
    }

    [Fact]
    public void The_ASCII_string_path_equals_System_IO_Hashing_over_the_UTF8_bytes()
    {
        var random = new Random(7);
        var keys = Enumerable.Range(0, 65).Concat(Enumerable.Range(0, 300).Select(_ => random.Next(65, 301)))
            .Select(length => new string(Enumerable.Range(0, length).Select(_ => (char)random.Next(0, 128)).ToArray()))
            .Concat(["user:12345", Guid.NewGuid().ToString("D"), "order:2026-11-30:000042"]);
        foreach (var key in keys)
        {
            Assert.True(
                ReferenceXxHash64.HashToUInt64(Encoding.UTF8.GetBytes(key)) == XxHash64.HashAscii(key),
                $"key of {key.Length} chars: {key}");
        }
    }

    [Fact]
    public void The_64_bit_value_path_equals_System_IO_Hashing_over_its_little_endian_bytes()
    {
        var random = new Random(11);
        for (var i = 0; i < 1000; i++)
        {
            var value = (ulong)random.NextInt64() ^ ((ulong)random.Next() << 33);
            var seed = (ulong)random.NextInt64();
            Assert.Equal(ReferenceXxHash64.HashToUInt64(BitConverter.GetBytes(value), unchecked((long)seed)), XxHash64.Hash(value, seed));
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
