using Scalable.Sharding.Internal.Routing;

namespace Scalable.Sharding.Tests.Routing;

/// <summary>The balance and movement properties of the routers, over 1,000,000 deterministic pseudo-random keys.</summary>
public sealed class RouterPropertyTests
{
    private static readonly Lazy<string[]> MillionKeys = new(() => RouterSets.Keys(1_000_000));

    [Fact]
    public void Ring_with_160_points_per_shard_keeps_the_busiest_of_16_shards_within_110_percent_of_average()
    {
        var counts = RouterSets.Counts(ShardRouters.HashRing(RouterSets.Nodes(16)), MillionKeys.Value);

        AssertMaxOverAverage(counts, 1.10);
    }

    [Fact]
    public void Jump_hash_keeps_the_busiest_of_16_shards_within_101_percent_of_average()
    {
        var counts = RouterSets.Counts(ShardRouters.JumpHash(16), MillionKeys.Value);

        AssertMaxOverAverage(counts, 1.01);
    }

    [Fact]
    public void Rendezvous_keeps_the_busiest_of_16_shards_within_102_percent_of_average()
    {
        var counts = RouterSets.Counts(ShardRouters.Rendezvous(RouterSets.Nodes(16)), MillionKeys.Value);

        AssertMaxOverAverage(counts, 1.02);
    }

    [Theory]
    [InlineData(ShardRouterKind.HashRing)]
    [InlineData(ShardRouterKind.JumpHash)]
    [InlineData(ShardRouterKind.Rendezvous)]
    public void Adding_a_17th_shard_moves_at_most_110_percent_of_a_17th_of_the_keys_and_only_onto_the_new_shard(ShardRouterKind kind)
    {
        var before = ShardRouters.Create(kind, RouterSets.Nodes(16));
        var after = ShardRouters.Create(kind, RouterSets.Nodes(17));
        var moved = 0;
        foreach (var key in MillionKeys.Value)
        {
            var from = before.GetShardIndex(key);
            var to = after.GetShardIndex(key);
            if (from != to)
            {
                Assert.Equal(16, to);
                moved++;
            }
        }

        var limit = 1.1 * MillionKeys.Value.Length / 17;
        Assert.True(moved <= limit, $"{kind}: {moved} keys moved, more than {limit:0}.");
        Assert.True(moved > 0, $"{kind}: the new shard received no keys.");
    }

    [Fact]
    public void Ketama_with_equal_weights_only_moves_keys_onto_an_added_server()
    {
        var before = ShardRouters.Ketama(RouterSets.Nodes(16));
        var after = ShardRouters.Ketama(RouterSets.Nodes(17));
        foreach (var key in MillionKeys.Value.AsSpan(0, 200_000))
        {
            var to = after.GetShardIndex(key);
            Assert.True(to == before.GetShardIndex(key) || to == 16, $"key {key} moved between old servers.");
        }
    }

    [Theory]
    [InlineData(ShardRouterKind.HashRing)]
    [InlineData(ShardRouterKind.Rendezvous)]
    public void Weights_are_honoured_within_5_percent(ShardRouterKind kind)
    {
        ShardNode[] nodes = [new("small", 1), new("medium", 2), new("large", 3), new("huge", 4)];
        var counts = RouterSets.Counts(ShardRouters.Create(kind, nodes), MillionKeys.Value);

        for (var i = 0; i < nodes.Length; i++)
        {
            var expected = MillionKeys.Value.Length * nodes[i].Weight / 10.0;
            var ratio = counts[i] / expected;
            Assert.True(Math.Abs(ratio - 1) <= 0.05, $"{kind}: shard {nodes[i].Name} got {counts[i]} keys, {ratio:P1} of its weighted share.");
        }
    }

    [Fact]
    public void Removing_a_shard_from_the_ring_only_moves_that_shards_keys()
    {
        var nodes = RouterSets.Nodes(8);
        var before = ShardRouters.HashRing(nodes);
        var after = ShardRouters.HashRing(nodes.Where(n => n.Name != "shard-03"));
        foreach (var key in MillionKeys.Value.AsSpan(0, 200_000))
        {
            var from = before.GetShardIndex(key);
            if (from != 3)
            {
                var to = after.GetShardIndex(key);
                Assert.Equal(nodes[from].Name, nodes.Where(n => n.Name != "shard-03").ElementAt(to).Name);
            }
        }
    }

    [Fact]
    public void The_ring_does_not_depend_on_the_order_shards_are_listed_in()
    {
        var nodes = RouterSets.Nodes(8);
        var forward = ShardRouters.HashRing(nodes);
        var reversed = ShardRouters.HashRing(nodes.Reverse());
        foreach (var key in MillionKeys.Value.AsSpan(0, 20_000))
        {
            Assert.Equal(forward.GetShardIndex(key), 7 - reversed.GetShardIndex(key));
        }
    }

    [Theory]
    [InlineData(1UL, 1, 0)]
    [InlineData(42UL, 57, 43)]
    [InlineData(256UL, 1024, 520)]
    [InlineData(3735883980UL, 1, 0)]
    [InlineData(3735883980UL, 666, 361)]
    [InlineData(16045690984833335023UL, 255, 237)]
    [InlineData(10863919174838991UL, 11, 6)]
    [InlineData(2016238256797177309UL, 11, 3)]
    public void Jump_hash_matches_published_bucket_vectors(ulong key, int buckets, int expected)
    {
        // From ClickHouse's jumpConsistentHash tests and Microsoft's JumpConsistentHash tests (the paper's algorithm).
        Assert.Equal(expected, JumpHashRouter.Bucket(key, buckets));
    }

    private static void AssertMaxOverAverage(int[] counts, double limit)
    {
        var average = counts.Average();
        var ratio = counts.Max() / average;
        Assert.True(ratio <= limit, $"busiest shard holds {ratio:0.0000} x the average (limit {limit}); counts: {string.Join(", ", counts)}");
    }
}
