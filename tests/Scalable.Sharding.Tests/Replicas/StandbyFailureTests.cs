using Scalable.TestSupport;

namespace Scalable.Sharding.Tests.Replicas;

/// <summary>A standby that dies under a read: the read is answered elsewhere, and the standby is used again once it is back.</summary>
[Collection(ReplicationCollection.Name)]
public sealed class StandbyFailureTests(PostgresReplicationFixture replication)
{
    private PostgresReplicaSet Set => replication.Set;

    [Fact]
    public async Task A_standby_killed_mid_read_leaves_the_read_answered_by_another_node_and_is_used_again_after_it_restarts()
    {
        await using var scenario = await ReplicaScenario.CreateAsync(Set, Set.Standbys, o => o.ReplicaReads.LagProbeInterval = TimeSpan.FromMilliseconds(200));
        var firstAttempt = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var attempts = 0;

        var read = scenario.Database.ReadAsync(ReplicaScenario.Key, async (connection, token) =>
        {
            var (port, version) = await ReplicaScenario.ReadAsync(connection, token);
            if (Interlocked.Increment(ref attempts) == 1)
            {
                firstAttempt.SetResult(port);
                await using var sleep = new Npgsql.NpgsqlCommand("SELECT pg_sleep(60)", connection);
                await sleep.ExecuteNonQueryAsync(token);
            }

            return (port, version);
        });
        var victimPort = await firstAttempt.Task;
        var victim = Set.Standbys.Single(s => s.Port == victimPort);
        try
        {
            await victim.KillAsync();

            var (answeredBy, seen) = await read;
            Assert.NotEqual(victimPort, answeredBy);
            Assert.Equal(0, seen);
            Assert.Equal(2, attempts);
            Assert.Contains(scenario.Logs.Events, e => e.Id.Id == 34);
        }
        finally
        {
            await victim.RestartAsync();
            await victim.WaitForReplayAsync(Set.Primary);
        }

        await Eventually.TrueAsync(
            async () => await scenario.Database.ReadAsync(ReplicaScenario.Key, (c, t) => ReplicaScenario.ReadAsync(c, t)) is var (port, _) && port == victimPort,
            because: "the restarted standby to serve reads again");
        await Eventually.TrueAsync(() => scenario.Logs.Events.Any(e => e.Id.Id == 33), because: "event 33 (standby answers again)");
    }
}
