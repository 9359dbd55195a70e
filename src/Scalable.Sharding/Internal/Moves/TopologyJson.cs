using System.Text.Json;

namespace Scalable.Sharding.Internal.Moves;

// A topology as stored in the move record, so every process can route by the target topology of a move before its own
// configuration names the new shards.
internal static class TopologyJson
{
    public static string Write(ShardTopology topology) => JsonSerializer.Serialize(new Stored(
        topology.Version,
        topology.RouterKind.ToString(),
        topology.PointsPerWeight,
        topology.Shards.Select(s => new StoredShard(s.Name, s.ConnectionString, s.Weight)).ToArray()));

    public static ShardTopology Read(string json)
    {
        var stored = JsonSerializer.Deserialize<Stored>(json) ?? throw new InvalidOperationException("A shard move record has no topology.");
        return ShardTopology.Create(
            stored.Shards.Select(s => new ShardDefinition(s.Name, s.ConnectionString, s.Weight)),
            Enum.Parse<ShardRouterKind>(stored.Router),
            stored.PointsPerWeight,
            stored.Version);
    }

    private sealed record Stored(long Version, string Router, int PointsPerWeight, StoredShard[] Shards);

    private sealed record StoredShard(string Name, string ConnectionString, double Weight);
}
