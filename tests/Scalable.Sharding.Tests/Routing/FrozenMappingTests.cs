namespace Scalable.Sharding.Tests.Routing;

/// <summary>
/// Frozen vectors: where fixed keys go on 16 shards named shard-00..shard-15. A change here means every deployed shard
/// map would send existing keys to different shards, so these values must never change.
/// </summary>
public sealed class FrozenMappingTests
{
    [Theory]
    [InlineData(ShardRouterKind.HashRing, new[] { 0, 15, 1, 12, 6, 11, 6, 2, 3, 2, 12, 8 }, new[] { 8, 13, 0, 13, 12, 4, 12, 6, 0, 5, 6, 4 }, new[] { 8, 8, 7, 14 })]
    [InlineData(ShardRouterKind.Ketama, new[] { 5, 2, 8, 11, 14, 14, 10, 2, 1, 15, 14, 10 }, new[] { 15, 15, 0, 13, 11, 10, 11, 12, 0, 9, 12, 3 }, new[] { 6, 7, 5, 2 })]
    [InlineData(ShardRouterKind.JumpHash, new[] { 8, 2, 0, 12, 4, 10, 15, 7, 2, 2, 3, 2 }, new[] { 4, 10, 10, 2, 1, 11, 10, 0, 2, 8, 4, 3 }, new[] { 0, 9, 4, 9 })]
    [InlineData(ShardRouterKind.Rendezvous, new[] { 9, 14, 15, 0, 11, 5, 5, 15, 7, 4, 5, 8 }, new[] { 15, 2, 1, 5, 10, 7, 15, 7, 6, 12, 5, 13 }, new[] { 4, 4, 4, 4 })]
    public void Fixed_keys_always_map_to_the_same_shards(ShardRouterKind kind, int[] strings, int[] longs, int[] guids)
    {
        var router = ShardRouters.Create(kind, RouterSets.Nodes(16));

        Assert.Equal(strings, Enumerable.Range(0, 12).Select(i => router.GetShardIndex($"user:{i}")));
        Assert.Equal(longs, Enumerable.Range(0, 12).Select(i => router.GetShardIndex((long)i * 1000003)));
        Assert.Equal(guids, Enumerable.Range(0, 4).Select(i => router.GetShardIndex(new Guid(i, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11))));
    }

    [Fact]
    public void String_keys_route_by_their_utf8_bytes_and_int_keys_like_the_same_long()
    {
        var router = ShardRouters.Rendezvous(RouterSets.Nodes(16));
        for (var i = 0; i < 100; i++)
        {
            Assert.Equal(router.GetShardIndex(System.Text.Encoding.UTF8.GetBytes($"ключ-{i}")), router.GetShardIndex($"ключ-{i}"));
            Assert.Equal(router.GetShardIndex(BitConverter.GetBytes((long)i)), router.GetShardIndex(i));
            Assert.Equal(router.GetShardIndex((long)i), router.GetShardIndex(i));
        }
    }

    [Fact]
    public void Long_string_keys_route_the_same_as_their_bytes()
    {
        var router = ShardRouters.HashRing(RouterSets.Nodes(16));
        var key = new string('x', 5000) + "tail";

        Assert.Equal(router.GetShardIndex(System.Text.Encoding.UTF8.GetBytes(key)), router.GetShardIndex(key));
    }
}
