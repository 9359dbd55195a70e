using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Scalable.TestSupport;

namespace Scalable.Sharding.Tests.Replicas;

/// <summary>Replica reads on real streaming replication: a standby whose replay falls behind is skipped, and used again once it catches up.</summary>
[Collection(ReplicationCollection.Name)]
public sealed class LagRoutingTests(PostgresReplicationFixture replication)
{
    private PostgresReplicaSet Set => replication.Set;

    [Fact]
    public async Task A_standby_with_replay_paused_stops_serving_replica_reads_once_its_lag_passes_the_bound_and_serves_them_again_after_replay_resumes()
    {
        var standby = Set.Standbys[0];
        await using var scenario = await ReplicaScenario.CreateAsync(Set, [standby], Fast.Apply);
        Assert.Equal((standby.Port, 0), await scenario.ReplicaReadAsync());

        await standby.PauseReplayAsync();
        await scenario.WriteAsync(1);

        // Until the lag passes the bound the standby may still answer, with the old version; after that, only the
        // primary answers, with the new one.
        await Eventually.TrueAsync(async () => await scenario.ReplicaReadAsync() == (Set.Primary.Port, 1), because: "replica reads to leave the paused standby");
        await Eventually.TrueAsync(() => scenario.Logs.Events.Any(e => e.Id.Id == 30), because: "event 30 (standby lagging)");

        await standby.ResumeReplayAsync();
        await Eventually.TrueAsync(async () => await scenario.ReplicaReadAsync() == (standby.Port, 1), because: "replica reads to return to the standby after replay resumed");
        await Eventually.TrueAsync(() => scenario.Logs.Events.Any(e => e.Id.Id == 31), because: "event 31 (standby caught up)");
    }

    [Fact]
    public async Task With_two_standbys_reads_skip_the_lagging_one_for_the_other_and_the_lag_is_reported_in_the_meter()
    {
        var measurements = new ConcurrentQueue<(string Instrument, double Value, string? Replica)>();
        await using var scenario = await ReplicaScenario.CreateAsync(Set, Set.Standbys, Fast.Apply);
        var meterFactory = scenario.Provider.GetRequiredService<IMeterFactory>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (ReferenceEquals(instrument.Meter.Scope, meterFactory) && instrument.Name.StartsWith("scalable.sharding.replica", StringComparison.Ordinal))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<double>((i, v, tags, _) => measurements.Enqueue((i.Name, v, Replica(tags))));
        listener.SetMeasurementEventCallback<long>((i, v, tags, _) => measurements.Enqueue((i.Name, v, Replica(tags))));
        listener.Start();
        var (lagging, other) = (Set.Standbys[0], Set.Standbys[1]);

        await lagging.PauseReplayAsync();
        await scenario.WriteAsync(1);
        await Eventually.TrueAsync(
            async () =>
            {
                // Four reads in a row (round robin would give the lagging standby two) all from the other standby.
                for (var i = 0; i < 4; i++)
                {
                    if (await scenario.ReplicaReadAsync() != (other.Port, 1))
                    {
                        return false;
                    }
                }

                return true;
            },
            because: "replica reads to go to the standby that keeps up");

        // Each probe records the lag just after the reads can see it, so the measurements may trail the reads a little.
        await Eventually.TrueAsync(() => measurements.Any(m => m.Instrument == "scalable.sharding.replica.lag" && m.Replica == "0" && m.Value > Fast.MaxLagSeconds), because: "standby 0's lag above the bound in the meter");
        Assert.Contains(measurements, m => m.Instrument == "scalable.sharding.replica.lag" && m.Replica == "1" && m.Value <= Fast.MaxLagSeconds);
        Assert.Contains(measurements, m => m.Instrument == "scalable.sharding.replica.skipped" && m.Replica == "0");
    }

    [Fact]
    public async Task Each_shard_reads_from_its_own_standbys_and_a_token_of_one_shard_asks_nothing_of_another()
    {
        var (streaming, paused) = (Set.Standbys[0], Set.Standbys[1]);
        var second = await Set.CreateDatabaseAsync("replicas_b");
        await using var scenario = await ReplicaScenario.CreateAsync(Set, [streaming], options =>
        {
            options.ReplicaReads.MaxLag = TimeSpan.FromMinutes(5);
            options.ReplicaReads.ReadYourWritesWait = TimeSpan.FromSeconds(30);
            options.Shards.Add(new ShardOptions { Name = "shard1", ConnectionString = second, ReadReplicas = { paused.Redirect(second) } });
        });
        var (first, other) = (scenario.Database.Topology.GetShardByName("shard0"), scenario.Database.Topology.GetShardByName("shard1"));

        await paused.PauseReplayAsync();
        ReadYourWritesToken token;
        await using (var connection = await scenario.Database.OpenConnectionAsync(first))
        {
            await Support.Users.ExecuteAsync(connection, "UPDATE profile SET version = 1 WHERE id = 1");
            token = await scenario.Database.GetReadYourWritesTokenAsync(connection, first);
        }

        // shard0's standby replays the write, so the token's read is served there; shard1's standby is paused and
        // behind that position, but the token names shard0 only, so shard1's reads still go to it.
        Assert.Equal(streaming.Port, await ReadAsync(scenario, first, token));
        Assert.Equal(paused.Port, await ReadAsync(scenario, other, token));
    }

    private static async Task<int> ReadAsync(ReplicaScenario scenario, ShardDefinition shard, ReadYourWritesToken token)
    {
        await using var connection = await scenario.Database.OpenReadConnectionAsync(shard, token);
        await using var command = new Npgsql.NpgsqlCommand("SELECT inet_server_port()", connection);
        return (int)(await command.ExecuteScalarAsync())!;
    }

    private static string? Replica(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        foreach (var tag in tags)
        {
            if (tag.Key == "scalable.sharding.replica")
            {
                return (string?)tag.Value;
            }
        }

        return null;
    }

    private static class Fast
    {
        public const double MaxLagSeconds = 1;

        public static void Apply(ScalableShardingOptions options)
        {
            options.ReplicaReads.MaxLag = TimeSpan.FromSeconds(MaxLagSeconds);
            options.ReplicaReads.LagProbeInterval = TimeSpan.FromMilliseconds(200);
        }
    }
}
