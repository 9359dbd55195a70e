using System.Text;
using Scalable.Sharding.Internal.Routing;

namespace Scalable.Sharding.Tests.Routing;

/// <summary>
/// String keys that are all ASCII are hashed straight from their chars; that must route exactly like the key's UTF-8
/// bytes, for every length (the XXH64 stripe, 8-, 4- and 1-byte tails) and next to non-ASCII keys, which are encoded.
/// </summary>
public sealed class StringKeyFastPathTests
{
    // A jump-hash router over about a million shards: two different hashes land on the same shard with odds of one in a
    // million, so a key routed by a wrong hash is caught, where 5 or 16 shards would let one in 5 or 16 slip through.
    private static readonly IShardRouter WideRouter = ShardRouters.JumpHash(1_000_003);

    public static TheoryData<string> AsciiKeys()
    {
        var data = new TheoryData<string>();
        // Printable ASCII in a scrambled order, without the hash-tag braces so that the whole key is routed.
        var ascii = string.Concat(Enumerable.Range(0, 80).Select(i => (char)(0x20 + ((i * 37) % 95))).Where(c => c is not ('{' or '}')));
        foreach (var length in Enumerable.Range(0, 72))
        {
            data.Add(ascii[..length]);
        }

        data.Add("\u007f\u0001 edge ASCII chars");
        return data;
    }

    public static TheoryData<string> NonAsciiKeys() => new()
    {
        "caf\u00e9-key",
        "\u00e9t\u00e9 plus de trente-deux caract\u00e8res ici",
        "emoji \U0001F600 key",
        "\u4e2d\u6587\u952e",
    };

    [Theory]
    [MemberData(nameof(AsciiKeys))]
    [MemberData(nameof(NonAsciiKeys))]
    public void A_string_key_routes_like_its_UTF8_bytes(string key)
    {
        var bytes = Encoding.UTF8.GetBytes(key);
        foreach (var router in RouterSets.All(16).Concat(RouterSets.All(5)).Append(WideRouter))
        {
            Assert.Equal(router.GetShardIndex(bytes), router.GetShardIndex(key));
            Assert.Equal(router.GetShardIndex(bytes), router.GetShardIndex(key.AsSpan()));
        }
    }

    [Theory]
    [MemberData(nameof(AsciiKeys))]
    public void The_ASCII_hash_equals_the_hash_of_the_UTF8_bytes(string key)
    {
        Assert.True(Ascii.IsValid(key), "the ASCII key set holds ASCII keys only");
        Assert.Equal(XxHash64.Hash(Encoding.UTF8.GetBytes(key)), XxHash64.HashAscii(key));
    }

    [Theory]
    [MemberData(nameof(NonAsciiKeys))]
    public void A_non_ASCII_key_is_routed_by_the_hash_of_its_UTF8_bytes_not_of_its_chars(string key)
    {
        var bytesHash = XxHash64.Hash(Encoding.UTF8.GetBytes(key));
        var router = (IXxHash64Router)WideRouter;

        // Hashing the chars would give another hash (and another shard), so only the byte path routes this key right.
        Assert.NotEqual(bytesHash, XxHash64.HashAscii(key));
        Assert.NotEqual(router.GetShardIndexOfHash(bytesHash), router.GetShardIndexOfHash(XxHash64.HashAscii(key)));
        Assert.Equal(router.GetShardIndexOfHash(bytesHash), WideRouter.GetShardIndex(key));
        Assert.Equal(router.GetShardIndexOfHash(bytesHash), WideRouter.GetShardIndex(key.AsSpan()));
    }

    [Fact]
    public void A_hash_tag_is_still_honoured_on_the_ASCII_path()
    {
        foreach (var router in RouterSets.All(16).Append(WideRouter))
        {
            Assert.Equal(router.GetShardIndex("user:42"u8), router.GetShardIndex("{user:42}:orders"));
            Assert.Equal(router.GetShardIndex("caf\u00e9"u8.ToArray()), router.GetShardIndex("{caf\u00e9}:orders"));
        }
    }
}
