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
    [InlineData("{user:42", "{user:42")]
    [InlineData("{}:orders", "{}:orders")]
    [InlineData("user}:42", "user}:42")]
    [InlineData("user}:{42", "user}:{42")]
    [InlineData("user}:{42}", "42")]
    [InlineData("foo{}{bar}", "foo{}{bar}")]
    [InlineData("foo{{bar}}zap", "{bar")]
    [InlineData("foo{bar}{zap}", "bar")]
    [InlineData("}{", "}{")]
    public void Keys_without_a_complete_first_tag_hash_as_a_whole_key_as_in_redis_cluster(string key, string expected)
    {
        Assert.Equal(expected, HashTag.GetRoutingPart(key).ToString());
    }

    [Fact]
    public void Any_user_key_with_braces_routes_without_throwing_with_every_router()
    {
        foreach (var router in RouterSets.All(4))
        {
            foreach (var key in new[] { "{", "}", "{}", "a{b", "a}b", "}{", "{{}}", "x{}y{z}" })
            {
                Assert.InRange(router.GetShardIndex(key), 0, 3);
            }
        }
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
