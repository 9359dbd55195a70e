using Npgsql;
using Scalable.Sharding.Tests.Support;
using Scalable.TestSupport;

namespace Scalable.Sharding.Tests.Replicas;

/// <summary>Two shards, each on its own primary server with its own standby: lag on one shard's standby changes nothing for the other.</summary>
[Collection(ReplicationCollection.Name)]
public sealed class ReplicaSetPerShardTests(PostgresReplicationFixture replication)
{
    [Fact]
    public async Task Replay_paused_on_one_shards_standby_sends_only_that_shards_replica_reads_to_its_primary_and_tokens_work_per_shard()
    {
        var set0 = replication.Set;
        await using var set1 = await PostgresReplicaSet.StartAsync(standbys: 1);
        var (standby0, standby1) = (set0.Standbys[0], set1.Standbys[0]);
        var primary1 = await set1.CreateDatabaseAsync("shard1");
        await using (var connection = new NpgsqlConnection(primary1))
        {
            await connection.OpenAsync();
            await Users.ExecuteAsync(connection, "CREATE TABLE profile (id int PRIMARY KEY, version int NOT NULL); INSERT INTO profile VALUES (1, 0)");
        }

        await set1.WaitForStandbysAsync();
        await using var scenario = await ReplicaScenario.CreateAsync(set0, [standby0], options =>
        {
            options.ReplicaReads.MaxLag = TimeSpan.FromSeconds(1);
            options.ReplicaReads.LagProbeInterval = TimeSpan.FromMilliseconds(200);
            options.ReplicaReads.ReadYourWritesWait = TimeSpan.FromSeconds(5);
            options.Shards.Add(new ShardOptions { Name = "shard1", ConnectionString = primary1, ReadReplicas = { standby1.Redirect(primary1) } });
        });
        var (shard0, shard1) = (scenario.Database.Topology.GetShardByName("shard0"), scenario.Database.Topology.GetShardByName("shard1"));
        Assert.Equal((standby0.Port, 0), await ReplicaReadAsync(scenario, shard0));
        Assert.Equal((standby1.Port, 0), await ReplicaReadAsync(scenario, shard1));

        await standby1.PauseReplayAsync();
        try
        {
            var token1 = await WriteAsync(scenario, shard1, 1);
            await Eventually.TrueAsync(
                async () => await ReplicaReadAsync(scenario, shard1) == (set1.Primary.Port, 1),
                TimeSpan.FromSeconds(60),
                "shard1's replica reads to leave its paused standby for its primary");

            // shard0's standby still streams: its replica reads and its token reads stay on it.
            Assert.Equal((standby0.Port, 0), await ReplicaReadAsync(scenario, shard0));
            var token0 = await WriteAsync(scenario, shard0, 1);
            Assert.Equal((standby0.Port, 1), await TokenReadAsync(scenario, shard0, token0));

            // shard1's token cannot be met by its paused standby: the read goes to shard1's primary and sees the write.
            Assert.Equal((set1.Primary.Port, 1), await TokenReadAsync(scenario, shard1, token1));
        }
        finally
        {
            await standby1.ResumeReplayAsync();
        }

        await Eventually.TrueAsync(
            async () => await ReplicaReadAsync(scenario, shard1) == (standby1.Port, 1),
            TimeSpan.FromSeconds(60),
            "shard1's replica reads to return to its standby after replay resumed");
    }

    private static async Task<ReadYourWritesToken> WriteAsync(ReplicaScenario scenario, ShardDefinition shard, int version)
    {
        await using var connection = await scenario.Database.OpenConnectionAsync(shard);
        await Users.ExecuteAsync(connection, $"UPDATE profile SET version = {version} WHERE id = 1");
        return await scenario.Database.GetReadYourWritesTokenAsync(connection, shard);
    }

    private static async Task<(int Port, int Version)> ReplicaReadAsync(ReplicaScenario scenario, ShardDefinition shard)
    {
        await using var connection = await scenario.Database.OpenConnectionAsync(shard, ShardAccess.ReadReplica);
        return await ReplicaScenario.ReadAsync(connection);
    }

    private static async Task<(int Port, int Version)> TokenReadAsync(ReplicaScenario scenario, ShardDefinition shard, ReadYourWritesToken token)
    {
        await using var connection = await scenario.Database.OpenReadConnectionAsync(shard, token);
        return await ReplicaScenario.ReadAsync(connection);
    }
}
