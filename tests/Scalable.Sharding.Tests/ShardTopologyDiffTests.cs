namespace Scalable.Sharding.Tests;

public sealed class ShardTopologyDiffTests
{
    private static ShardTopology Topology(int shards, ShardRouterKind kind = ShardRouterKind.HashRing, long version = 1) =>
        ShardTopology.Create(Enumerable.Range(0, shards).Select(i => new ShardDefinition($"shard{i}", $"Host=h{i};Database=d")), kind, version: version);

    [Fact]
    public void Moves_list_exactly_the_keys_whose_owner_changes_with_old_and_new_owner()
    {
        var from = Topology(3);
        var to = Topology(4, version: 2);
        var keys = Enumerable.Range(0, 5_000).Select(i => $"order:{i}").ToList();

        var moves = ShardTopologyDiff.GetMoves(from, to, keys).ToList();

        Assert.NotEmpty(moves);
        foreach (var key in keys)
        {
            var move = moves.SingleOrDefault(m => m.Key == key);
            var (a, b) = (from.GetShard(key).Name, to.GetShard(key).Name);
            Assert.Equal(a != b, move is not null);
            if (move is not null)
            {
                Assert.Equal((a, b), (move.From.Name, move.To.Name));
            }
        }
    }

    [Fact]
    public void Moves_keep_the_key_type_and_an_int_key_moves_like_the_same_long()
    {
        var (from, to) = (Topology(3), Topology(4, version: 2));
        var guids = Enumerable.Range(0, 2_000).Select(i => new Guid(i, 0, 0, new byte[8])).ToList();
        var ints = Enumerable.Range(0, 2_000).ToList();

        IReadOnlyList<KeyMove<Guid>> guidMoves = [.. ShardTopologyDiff.GetMoves(from, to, guids)];
        IReadOnlyList<KeyMove<int>> intMoves = [.. ShardTopologyDiff.GetMoves(from, to, ints)];
        IReadOnlyList<KeyMove<long>> longMoves = [.. ShardTopologyDiff.GetMoves(from, to, ints.Select(i => (long)i))];

        Assert.Equal(guids.Where(g => from.GetShard(g).Name != to.GetShard(g).Name), guidMoves.Select(m => m.Key));
        Assert.NotEmpty(intMoves);
        Assert.Equal(longMoves.Select(m => (m.Key, m.From.Name, m.To.Name)), intMoves.Select(m => ((long)m.Key, m.From.Name, m.To.Name)));
    }

    [Theory]
    [InlineData(ShardRouterKind.HashRing)]
    [InlineData(ShardRouterKind.JumpHash)]
    [InlineData(ShardRouterKind.Rendezvous)]
    public void Flows_from_three_to_four_shards_all_go_to_the_new_shard_and_total_about_a_quarter(ShardRouterKind kind)
    {
        var flows = ShardTopologyDiff.EstimateFlows(Topology(3, kind), Topology(4, kind, 2));

        Assert.All(flows.Keys, route => Assert.Equal("shard3", route.To));
        Assert.InRange(flows.Values.Sum(), 0.20, 0.30);
    }

    [Fact]
    public void Removing_a_shard_moves_only_its_keys_to_the_remaining_shards()
    {
        var from = Topology(4);
        var to = ShardTopology.Create(from.Shards.Where(s => s.Name != "shard1"), version: 2);

        var flows = ShardTopologyDiff.EstimateFlows(from, to);

        Assert.All(flows.Keys, route => Assert.Equal("shard1", route.From));
        Assert.Equal(3, flows.Count);
    }

    [Fact]
    public void Unsupported_key_types_are_rejected_naming_the_type()
    {
        var error = Assert.Throws<ArgumentException>(() => Topology(2).GetShardForKey(3.5));
        Assert.Contains("Double", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Ketama_hash_ranges_name_exactly_the_keys_that_move_and_where()
    {
        var from = Topology(3, ShardRouterKind.Ketama);
        var to = Topology(4, ShardRouterKind.Ketama, 2);

        var ranges = ShardTopologyDiff.GetMovedHashRanges(from, to);

        Assert.All(ranges, r => Assert.Equal("shard3", r.To));
        Assert.InRange(ranges.Sum(r => (double)r.End - r.Start + 1) / 4294967296.0, 0.15, 0.35);
        foreach (var key in RouterSets.Keys(20_000))
        {
            var hash = Scalable.Sharding.Internal.Routing.KetamaRouter.HashKey(System.Text.Encoding.UTF8.GetBytes(key));
            var range = ranges.SingleOrDefault(r => r.Start <= hash && hash <= r.End);
            var (a, b) = (from.GetShard(key).Name, to.GetShard(key).Name);
            Assert.Equal(a != b, range is not null);
            if (range is not null)
            {
                Assert.Equal((a, b), (range.From, range.To));
            }
        }
    }

    [Fact]
    public void Hash_ranges_are_refused_for_routers_without_fixed_ranges()
    {
        Assert.Throws<ArgumentException>(() => ShardTopologyDiff.GetMovedHashRanges(Topology(3), Topology(4, version: 2)));
    }
}
