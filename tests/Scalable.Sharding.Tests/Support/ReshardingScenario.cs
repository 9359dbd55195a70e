using Microsoft.Extensions.DependencyInjection;

namespace Scalable.Sharding.Tests.Support;

/// <summary>Three shards holding users written through the router, plus a fourth, empty shard to add.</summary>
internal sealed class ReshardingScenario : IAsyncDisposable
{
    private readonly ServiceProvider _provider;

    private ReshardingScenario(ServiceProvider provider, IReadOnlyList<string> connectionStrings, List<string> ids)
    {
        _provider = provider;
        ConnectionStrings = connectionStrings;
        Ids = ids;
        Database = provider.GetRequiredService<ShardedDatabase>();
        Before = Database.Topology;
        After = ShardTopology.Create(
            connectionStrings.Select((cs, i) => new ShardDefinition($"shard{i}", cs)),
            Before.RouterKind,
            version: Before.Version + 1);
    }

    public IReadOnlyList<string> ConnectionStrings { get; }

    public List<string> Ids { get; }

    public ShardedDatabase Database { get; }

    public ShardTopology Before { get; }

    public ShardTopology After { get; }

    public static ReshardingTable Table { get; } = new("users", "id");

    /// <summary>Creates the users table on all four databases and writes the users to the first three through the router.</summary>
    public static async Task<ReshardingScenario> CreateAsync(IReadOnlyList<string> fourDatabases, int users)
    {
        await Users.CreateTablesAsync(fourDatabases);
        var provider = ShardedDatabases.Build(fourDatabases.Take(3).ToList());
        var scenario = new ReshardingScenario(provider, fourDatabases, Users.Ids(users).ToList());
        await Users.WriteThroughRouterAsync(scenario.Database, scenario.Ids);
        return scenario;
    }

    public ReshardingMover Mover(int batchSize = 500) => new(Database, Before, After, new ReshardingOptions { BatchSize = batchSize });

    /// <summary>Every user id with the shards it is stored on now.</summary>
    public async Task<Dictionary<string, List<string>>> LocationsAsync()
    {
        var locations = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        for (var i = 0; i < ConnectionStrings.Count; i++)
        {
            foreach (var id in await Users.AllIdsAsync(ConnectionStrings[i]))
            {
                if (!locations.TryGetValue(id, out var shards))
                {
                    locations[id] = shards = [];
                }

                shards.Add($"shard{i}");
            }
        }

        return locations;
    }

    /// <summary>Asserts that every user exists exactly once, on its owner in the new topology.</summary>
    public async Task AssertEveryRowOnItsNewOwnerOnceAsync()
    {
        var locations = await LocationsAsync();
        Assert.Equal(Ids.Count, locations.Count);
        foreach (var id in Ids)
        {
            Assert.True(locations.TryGetValue(id, out var shards), $"{id} was lost.");
            Assert.Equal([After.GetShard(id).Name], shards);
        }
    }

    public ValueTask DisposeAsync() => _provider.DisposeAsync();
}
