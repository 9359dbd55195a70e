using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Scalable.Sharding.Tests.Support;
using Scalable.TestSupport;

namespace Scalable.Sharding.Tests;

// Shares a collection with the mover tests so their rows_moved measurements do not mix with this test's.
[Collection("Resharding")]
public sealed class TelemetryTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    [Fact]
    public async Task Meter_reports_operations_per_shard_scatter_gather_duration_and_failures_and_rows_moved()
    {
        var measurements = new ConcurrentBag<(string Instrument, double Value, Dictionary<string, object?> Tags)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "Scalable.Sharding")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((i, v, tags, _) => measurements.Add((i.Name, v, ToDictionary(tags))));
        listener.SetMeasurementEventCallback<double>((i, v, tags, _) => measurements.Add((i.Name, v, ToDictionary(tags))));
        listener.Start();

        var databases = await postgres.Server.CreateDatabasesAsync(4, "telemetry");
        await using var scenario = await ReshardingScenario.CreateAsync(databases, 500);
        var report = await scenario.Mover().MoveAsync(ReshardingScenario.Table);
        var broken = ShardTopology.Create([new ShardDefinition("gone", new NpgsqlConnectionStringBuilder(databases[0]) { Port = 1 }.ConnectionString)]);
        await using var provider = ShardedDatabases.Build([databases[0]]);
        await using var database = new ShardedDatabase(new ShardMap(broken), provider.GetRequiredService<Microsoft.Extensions.Options.IOptionsMonitor<ScalableShardingOptions>>());
        await database.ScatterGatherAsync((_, _, _) => Task.FromResult(1));

        Assert.Contains(measurements, m => m.Instrument == "scalable.sharding.operations" && Equals(m.Tags["db.shard"], "shard1"));
        Assert.Equal(report.RowsMoved, (long)measurements.Where(m => m.Instrument == "scalable.sharding.rows_moved" && Equals(m.Tags["scalable.sharding.target"], "shard3")).Sum(m => m.Value));
        Assert.Contains(measurements, m => m.Instrument == "scalable.sharding.scatter_gather.failures" && Equals(m.Tags["db.shard"], "gone"));
        Assert.Contains(measurements, m => m.Instrument == "scalable.sharding.scatter_gather.duration" && Equals(m.Tags["scalable.sharding.complete"], false));
    }

    private static Dictionary<string, object?> ToDictionary(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var result = new Dictionary<string, object?>();
        foreach (var tag in tags)
        {
            result[tag.Key] = tag.Value;
        }

        return result;
    }
}
