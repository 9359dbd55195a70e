namespace Scalable.Sharding.Tests;

public sealed class BoundedLoadBalancerTests
{
    [Fact]
    public void A_hot_key_spills_to_other_shards_and_no_shard_exceeds_its_bound()
    {
        var balancer = new BoundedLoadBalancer(RouterSets.Nodes(16), epsilon: 0.25);
        var keys = RouterSets.Keys(8_000);
        var acquired = new List<int>();
        for (var i = 0; i < keys.Length; i++)
        {
            // Half the requests share one hot key, which a plain ring would send to a single shard.
            acquired.Add(balancer.Acquire(i % 2 == 0 ? "hot-key" : keys[i]));
            var bound = Math.Ceiling(1.25 * balancer.TotalLoad / 16.0);
            for (var shard = 0; shard < 16; shard++)
            {
                Assert.True(balancer.GetLoad(shard) <= bound, $"shard {shard} holds {balancer.GetLoad(shard)} of {balancer.TotalLoad}, above {bound}.");
            }
        }

        Assert.True(acquired.Where((_, i) => i % 2 == 0).Distinct().Count() > 1, "the hot key never spilled over.");
        foreach (var shard in acquired)
        {
            balancer.Release(shard);
        }

        Assert.Equal(0, balancer.TotalLoad);
    }

    [Fact]
    public void Without_load_a_key_goes_to_the_same_shard_every_time()
    {
        var balancer = new BoundedLoadBalancer(RouterSets.Nodes(8));
        foreach (var key in RouterSets.Keys(500))
        {
            var first = balancer.Acquire(key);
            balancer.Release(first);
            Assert.Equal(first, balancer.Acquire(key));
            balancer.Release(first);
        }
    }

    [Theory]
    [InlineData(3)]
    [InlineData(16)]
    public void Without_load_a_key_goes_to_the_shard_the_hash_ring_router_picks(int shards)
    {
        var ring = ShardRouters.HashRing(RouterSets.Nodes(shards));
        var balancer = new BoundedLoadBalancer(RouterSets.Nodes(shards));
        foreach (var key in RouterSets.Keys(2_000))
        {
            var chosen = balancer.Acquire(key);
            balancer.Release(chosen);
            Assert.Equal(ring.GetShardIndex(key), chosen);
        }
    }

    [Fact]
    public void Concurrent_acquires_and_releases_keep_the_counts_exact()
    {
        var balancer = new BoundedLoadBalancer(RouterSets.Nodes(4), epsilon: 0.5);
        var keys = RouterSets.Keys(1_000);
        Parallel.For(0, 8, worker =>
        {
            for (var i = 0; i < 2_000; i++)
            {
                balancer.Release(balancer.Acquire(keys[(i + worker) % keys.Length]));
            }
        });

        Assert.Equal(0, balancer.TotalLoad);
        Assert.All(Enumerable.Range(0, 4), shard => Assert.Equal(0, balancer.GetLoad(shard)));
    }

    [Fact]
    public void Bad_arguments_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new BoundedLoadBalancer(RouterSets.Nodes(2), epsilon: 0));
        Assert.Throws<InvalidOperationException>(() => new BoundedLoadBalancer(RouterSets.Nodes(2)).Release(0));
    }
}
