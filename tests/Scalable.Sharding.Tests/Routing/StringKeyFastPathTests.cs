using System.Text;
using Scalable.Sharding.Internal.Routing;

namespace Scalable.Sharding.Tests.Routing;

/// <summary>
/// String keys that are all ASCII are hashed straight from their chars; that must route exactly like the key's UTF-8
/// bytes, for every length (the XXH64 stripe, 8-, 4- and 1-byte tails) and next to non-ASCII keys, which are encoded.
/// </summary>
public sealed class StringKeyFastPathTests
{
    public static TheoryData<string> Keys()
    {
        var data = new TheoryData<string>();
        // Printable ASCII in a scrambled order, without the hash-tag braces so that the whole key is routed.
        var ascii = string.Concat(Enumerable.Range(0, 80).Select(i => (char)(0x20 + ((i * 37) % 95))).Where(c => c is not ('{' or '}')));
        foreach (var length in Enumerable.Range(0, 72))
        {
            data.Add(ascii[..length]);
        }

        data.Add("\u007f\u0001 edge ASCII chars");
        data.Add("caf\u00e9-key");
        data.Add("\u00e9t\u00e9 plus de trente-deux caract\u00e8res ici");
        data.Add("emoji \U0001F600 key");
        data.Add("\u4e2d\u6587\u952e");
        return data;
    }

    [Theory]
    [MemberData(nameof(Keys))]
    public void A_string_key_routes_like_its_UTF8_bytes(string key)
    {
        var bytes = Encoding.UTF8.GetBytes(key);
        foreach (var router in RouterSets.All(16).Concat(RouterSets.All(5)))
        {
            Assert.Equal(router.GetShardIndex(bytes), router.GetShardIndex(key));
            Assert.Equal(router.GetShardIndex(bytes), router.GetShardIndex(key.AsSpan()));
        }
    }

    [Theory]
    [MemberData(nameof(Keys))]
    public void The_ASCII_hash_equals_the_hash_of_the_UTF8_bytes(string key)
    {
        if (Ascii.IsValid(key))
        {
            Assert.Equal(XxHash64.Hash(Encoding.UTF8.GetBytes(key)), XxHash64.HashAscii(key));
        }
    }

    [Fact]
    public void A_hash_tag_is_still_honoured_on_the_ASCII_path()
    {
        foreach (var router in RouterSets.All(16))
        {
            Assert.Equal(router.GetShardIndex("user:42"u8), router.GetShardIndex("{user:42}:orders"));
            Assert.Equal(router.GetShardIndex("caf\u00e9"u8.ToArray()), router.GetShardIndex("{caf\u00e9}:orders"));
        }
    }
}
