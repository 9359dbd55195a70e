using Scalable.TestSupport;

namespace Scalable.Sharding.Tests.Replicas;

/// <summary>Replica reads on real streaming replication: a standby whose replay falls behind is skipped, and used again once it catches up.</summary>
public sealed class LagRoutingTests(PostgresReplicationFixture replication) : IClassFixture<PostgresReplicationFixture>
{
    private PostgresReplicaSet Set => replication.Set;

    [Fact]
    public async Task A_standby_with_replay_paused_stops_serving_replica_reads_once_its_lag_passes_the_bound_and_serves_them_again_after_replay_resumes()
    {
        var standby = Set.Standbys[0];
        await using var scenario = await ReplicaScenario.CreateAsync(Set, [standby]);
        Assert.Equal((standby.Port, 0), await scenario.ReplicaReadAsync());

        await standby.PauseReplayAsync();
        await scenario.WriteAsync(1);

        // Until the lag passes the bound the standby may still answer, with the old version; after that, only the
        // primary answers, with the new one.
        await Eventually.TrueAsync(async () => await scenario.ReplicaReadAsync() == (Set.Primary.Port, 1), because: "replica reads to leave the paused standby");

        await standby.ResumeReplayAsync();
        await Eventually.TrueAsync(async () => await scenario.ReplicaReadAsync() == (standby.Port, 1), because: "replica reads to return to the standby after replay resumed");
    }
}
