using Scalable.TestSupport;

namespace Scalable.Sharding.Tests.Replicas;

/// <summary>A read that carries the token of a write sees that write, whichever standby is behind.</summary>
[Collection(ReplicationCollection.Name)]
public sealed class ReadYourWritesTests(PostgresReplicationFixture replication)
{
    private PostgresReplicaSet Set => replication.Set;

    [Fact]
    public async Task A_read_with_the_token_of_a_write_never_returns_the_older_value_while_replay_pauses_and_resumes_at_random()
    {
        await using var scenario = await ReplicaScenario.CreateAsync(Set, Set.Standbys, o => o.ReplicaReads.ReadYourWritesWait = TimeSpan.FromMilliseconds(250));
        var seed = Environment.TickCount;
        var random = new Random(seed);
        var paused = new bool[Set.Standbys.Count];
        var servedBy = new HashSet<int>();
        for (var version = 1; version <= 40; version++)
        {
            for (var s = 0; s < paused.Length; s++)
            {
                if (random.Next(3) == 0)
                {
                    paused[s] = !paused[s];
                    await (paused[s] ? Set.Standbys[s].PauseReplayAsync() : Set.Standbys[s].ResumeReplayAsync());
                }
            }

            var token = await scenario.WriteAsync(version);

            // The token crosses an HTTP round trip as text.
            var carried = ReadYourWritesToken.Parse(token.ToString());
            var (port, seen) = await scenario.Database.ReadAsync(ReplicaScenario.Key, (c, t) => ReplicaScenario.ReadAsync(c, t), carried);

            Assert.True(seen == version, $"Round {version} (seed {seed}, paused: {string.Join(',', paused)}): read version {seen} on port {port}.");
            servedBy.Add(port);
        }

        // Both ways were taken: standbys that had replayed the write, and the primary when none had.
        Assert.Contains(servedBy, p => Set.Standbys.Any(s => s.Port == p));
        Assert.Contains(Set.Primary.Port, servedBy);
    }

    [Fact]
    public async Task A_read_with_a_token_waits_for_a_standby_that_is_just_behind_instead_of_going_to_the_primary()
    {
        var standby = Set.Standbys[0];
        await using var scenario = await ReplicaScenario.CreateAsync(Set, [standby], o => o.ReplicaReads.ReadYourWritesWait = TimeSpan.FromSeconds(30));
        await standby.PauseReplayAsync();
        var token = await scenario.WriteAsync(7);

        var read = scenario.Database.ReadAsync(ReplicaScenario.Key, (c, t) => ReplicaScenario.ReadAsync(c, t), token);
        await Task.Delay(200);
        Assert.False(read.IsCompleted, "The read should wait for the standby, neither read the old value nor go to the primary.");
        await standby.ResumeReplayAsync();

        Assert.Equal((standby.Port, 7), await read);
    }

    [Fact]
    public async Task A_scatter_gather_with_the_token_of_a_write_sees_that_write_where_a_plain_replica_scatter_does_not()
    {
        var standby = Set.Standbys[0];
        // A wide lag bound keeps the paused standby in use for plain replica reads however slow the machine is.
        await using var scenario = await ReplicaScenario.CreateAsync(Set, [standby], o =>
        {
            o.ReplicaReads.ReadYourWritesWait = TimeSpan.FromMilliseconds(100);
            o.ReplicaReads.MaxLag = TimeSpan.FromMinutes(10);
        });
        await scenario.WriteAsync(1);
        await Eventually.TrueAsync(async () => (await scenario.ReplicaReadAsync()) == (standby.Port, 1), because: "the standby to replay version 1");
        await standby.PauseReplayAsync();
        var token = await scenario.WriteAsync(2);

        var plain = await scenario.Database.ScatterGatherAsync((c, _, t) => ReplicaScenario.ReadAsync(c, t), ShardAccess.ReadReplica);
        var withToken = await scenario.Database.ScatterGatherAsync((c, _, t) => ReplicaScenario.ReadAsync(c, t), ReadYourWritesToken.Parse(token.ToString()));

        Assert.Equal((standby.Port, 1), Assert.Single(plain.Values)); // the paused standby, within the lag bound: the old value
        Assert.Equal((Set.Primary.Port, 2), Assert.Single(withToken.Values));
        await standby.ResumeReplayAsync();
        await Eventually.TrueAsync(
            async () => (await scenario.Database.ScatterGatherAsync((c, _, t) => ReplicaScenario.ReadAsync(c, t), token)).Values.Single() == (standby.Port, 2),
            because: "the standby, once it has replayed the write, to serve the token's scatter-gather again");
    }
}
