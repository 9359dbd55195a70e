using System.Text.Json;
using System.Text.Json.Serialization;

namespace Scalable.Sharding.Internal.Moves;

// A topology as stored in the move record, so every process can route by the target topology of a move before its own
// configuration names the new shards. Source-generated JSON: no reflection, so the package stays trimming/AOT clean.
internal static class TopologyJson
{
    public static string Write(ShardTopology topology) => JsonSerializer.Serialize(
        new StoredTopology(
            topology.Version,
            topology.RouterKind.ToString(),
            topology.PointsPerWeight,
            topology.Shards.Select(s => new StoredShard(s.Name, s.ConnectionString, s.Weight)).ToArray()),
        TopologyJsonContext.Default.StoredTopology);

    public static ShardTopology Read(string json)
    {
        var stored = JsonSerializer.Deserialize(json, TopologyJsonContext.Default.StoredTopology)
            ?? throw new InvalidOperationException("A shard move record has no topology.");
        return ShardTopology.Create(
            stored.Shards.Select(s => new ShardDefinition(s.Name, s.ConnectionString, s.Weight)),
            Enum.Parse<ShardRouterKind>(stored.Router),
            stored.PointsPerWeight,
            stored.Version);
    }
}

internal sealed record StoredTopology(long Version, string Router, int PointsPerWeight, StoredShard[] Shards);

internal sealed record StoredShard(string Name, string ConnectionString, double Weight);

[JsonSerializable(typeof(StoredTopology))]
internal sealed partial class TopologyJsonContext : JsonSerializerContext;
