namespace Scalable.Sharding.Tests.Routing;

public sealed class RouterValidationTests
{
    public static TheoryData<ShardRouterKind> Kinds() => new() { ShardRouterKind.HashRing, ShardRouterKind.Ketama, ShardRouterKind.JumpHash, ShardRouterKind.Rendezvous };

    [Theory]
    [MemberData(nameof(Kinds))]
    public void No_shards_is_rejected(ShardRouterKind kind)
    {
        var error = Assert.Throws<ArgumentException>(() => ShardRouters.Create(kind, []));
        Assert.Contains("at least one shard", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Duplicate_names_are_rejected_naming_the_shard(ShardRouterKind kind)
    {
        var error = Assert.Throws<ArgumentException>(() => ShardRouters.Create(kind, [new("a"), new("b"), new("a")]));
        Assert.Contains("'a' appears more than once", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-1.0)]
    [InlineData(double.NaN)]
    public void Non_positive_weights_are_rejected_naming_the_shard(double weight)
    {
        var error = Assert.Throws<ArgumentException>(() => ShardRouters.HashRing([new("a"), new("b", weight)]));
        Assert.Contains("shard 'b'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_node_never_has_a_null_name_and_a_default_node_is_rejected_by_every_router()
    {
        Assert.Throws<ArgumentNullException>(() => new ShardNode(null!));
        Assert.Throws<ArgumentNullException>(() => new ShardNode("a") with { Name = null! });
        Assert.Equal(string.Empty, default(ShardNode).Name);
        Assert.Equal(new ShardNode("a", 2), new ShardNode("a") with { Weight = 2 });
        foreach (var kind in Enum.GetValues<ShardRouterKind>())
        {
            Assert.Contains("non-empty name", Assert.Throws<ArgumentException>(() => ShardRouters.Create(kind, [new("a"), default])).Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Jump_hash_refuses_weights()
    {
        var error = Assert.Throws<ArgumentException>(() => ShardRouters.Create(ShardRouterKind.JumpHash, [new("a"), new("b", 2)]));
        Assert.Contains("weights", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Null_keys_are_rejected()
    {
        var router = ShardRouters.JumpHash(4);
        var error = Assert.Throws<ArgumentNullException>(() => router.GetShardIndex((string)null!));
        Assert.Equal("key", error.ParamName);
    }

    [Fact]
    public void Lookups_allocate_nothing()
    {
        foreach (var router in RouterSets.All(16))
        {
            router.GetShardIndex("warm-up-key-0001");
            var before = GC.GetAllocatedBytesForCurrentThread();
            for (var i = 0; i < 1000; i++)
            {
                router.GetShardIndex("{user:42}:orders");
                router.GetShardIndex(Guid.Empty);
                router.GetShardIndex(42L);
            }

            Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        }
    }
}
