namespace Scalable.Sharding.Tests;

public sealed class HashTagTests
{
    [Theory]
    [InlineData("{user:42}:orders", "user:42")]
    [InlineData("orders:{user:42}", "user:42")]
    [InlineData("{a}{b}", "a")]
    [InlineData("plain-key", "plain-key")]
    [InlineData("", "")]
    public void Routing_part_is_the_first_tag_or_the_whole_key(string key, string expected)
    {
        Assert.Equal(expected, HashTag.GetRoutingPart(key).ToString());
    }

    [Theory]
    [InlineData("{user:42")]
    [InlineData("{}:orders")]
    [InlineData("user}:{42}")]
    public void Malformed_tags_are_rejected_with_a_message_naming_the_key(string key)
    {
        var error = Assert.Throws<ArgumentException>(() => HashTag.GetRoutingPart(key).ToString());
        Assert.Contains(key, error.Message, StringComparison.Ordinal);
        Assert.Contains("hash tag", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Keys_with_the_same_tag_land_on_the_same_shard_with_every_router()
    {
        foreach (var router in RouterSets.All(16))
        {
            for (var user = 0; user < 200; user++)
            {
                var expected = router.GetShardIndex($"user:{user}");
                Assert.Equal(expected, router.GetShardIndex($"{{user:{user}}}:orders"));
                Assert.Equal(expected, router.GetShardIndex($"{{user:{user}}}:profile"));
            }
        }
    }
}
