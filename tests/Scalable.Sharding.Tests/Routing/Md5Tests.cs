using System.Security.Cryptography;
using System.Text;
using Scalable.Sharding.Internal.Routing;

namespace Scalable.Sharding.Tests.Routing;

public sealed class Md5Tests
{
    [Theory]
    [InlineData("", "d41d8cd98f00b204e9800998ecf8427e")]
    [InlineData("a", "0cc175b9c0f1b6a831c399e269772661")]
    [InlineData("abc", "900150983cd24fb0d6963f7d28e17f72")]
    [InlineData("message digest", "f96b697d7cb7938d525a2f31aaf161d0")]
    [InlineData("12345678901234567890123456789012345678901234567890123456789012345678901234567890", "57edf4a22be3c955ac49da2e2107b67a")]
    public void Matches_the_rfc_1321_test_suite(string text, string expected)
    {
        Span<byte> digest = stackalloc byte[16];
        Md5.Hash(Encoding.ASCII.GetBytes(text), digest);

        Assert.Equal(expected, Convert.ToHexStringLower(digest));
    }

    [Fact]
    public void Matches_the_platform_md5_for_every_length_up_to_300_bytes()
    {
        var random = new Random(1321);
        Span<byte> digest = stackalloc byte[16];
        for (var length = 0; length <= 300; length++)
        {
            var data = new byte[length];
            random.NextBytes(data);
            Md5.Hash(data, digest);
            Assert.Equal(MD5.HashData(data), digest.ToArray());
        }
    }
}
