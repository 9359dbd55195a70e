using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Scalable.Sharding.Tests.Support;
using Scalable.TestSupport;

namespace Scalable.Sharding.Tests;

// A registered ShardedDatabase (routing, scatter-gather and moves) reports through the container's IMeterFactory.
[Collection("Resharding")]
public sealed class MeterFactoryTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    [Fact]
    public async Task A_registered_sharded_database_reports_routing_scatter_gather_and_moves_through_the_containers_meter_factory()
    {
        var databases = await postgres.Server.CreateDatabasesAsync(4, "meters");
        await Users.CreateTablesAsync(databases);
        var ids = Users.Ids(300).ToList();
        await using var provider = ShardedDatabases.Build(databases.Take(3).ToList(), configureServices: b => b.Services.AddMetrics());
        var meters = provider.GetRequiredService<IMeterFactory>();
        using var operations = new MetricCollector<long>(meters, "Scalable.Sharding", "scalable.sharding.operations");
        using var scatterGather = new MetricCollector<double>(meters, "Scalable.Sharding", "scalable.sharding.scatter_gather.duration");
        using var copied = new MetricCollector<long>(meters, "Scalable.Sharding", "scalable.sharding.move.rows_copied");
        using var fence = new MetricCollector<double>(meters, "Scalable.Sharding", "scalable.sharding.move.fence.duration");
        var database = provider.GetRequiredService<ShardedDatabase>();
        await Users.WriteThroughRouterAsync(database, ids);
        var from = database.Topology;
        var to = ShardTopology.Create(databases.Select((cs, i) => new ShardDefinition($"shard{i}", cs)), from.RouterKind, version: from.Version + 1);

        await database.ScatterGatherAsync((_, _, _) => Task.FromResult(1));
        var report = await new ShardMove(database, from, to, [ReshardingScenario.Table], new ShardMoveOptions { ProcessRefreshWait = TimeSpan.Zero }).RunAsync();

        Assert.Contains(operations.GetMeasurementSnapshot(), m => Equals(m.Tags["db.shard"], "shard0"));
        Assert.Single(scatterGather.GetMeasurementSnapshot());
        Assert.Equal(report.RowsCopied, copied.GetMeasurementSnapshot().Sum(m => m.Value));
        Assert.Single(fence.GetMeasurementSnapshot());
    }
}
