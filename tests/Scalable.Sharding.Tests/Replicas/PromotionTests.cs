using Npgsql;
using Scalable.TestSupport;

namespace Scalable.Sharding.Tests.Replicas;

/// <summary>Failover seen from the client: the primary dies, its standby is promoted, and reads and writes carry on.</summary>
public sealed class PromotionTests
{
    [Fact]
    public async Task After_the_primary_dies_and_its_standby_is_promoted_writes_go_to_the_new_primary_and_reads_keep_working()
    {
        await using var set = await PostgresReplicaSet.StartAsync(standbys: 1);
        var (primary, standby) = (set.Primary, set.Standbys[0]);

        // Npgsql's multi-host connection string: writes go to whichever listed server is the primary.
        await using var scenario = await ReplicaScenario.CreateAsync(set, [standby], writeTo: database => new NpgsqlConnectionStringBuilder(database)
        {
            Host = $"127.0.0.1:{primary.Port},127.0.0.1:{standby.Port}",
            TargetSessionAttributes = "primary",

            // Npgsql remembers that a server was a standby for this long; the default (10 s) only slows the test.
            HostRecheckSeconds = 1,
        }.ConnectionString);
        var before = await scenario.WriteAsync(1);
        Assert.Equal((standby.Port, 1), await ReadAsync(scenario, before));

        await primary.KillAsync();
        await standby.PromoteAsync();

        ReadYourWritesToken after = default;
        await Eventually.TrueAsync(
            async () =>
            {
                try
                {
                    after = await scenario.WriteAsync(2);
                    return true;
                }
                catch (NpgsqlException)
                {
                    return false;
                }
            },
            because: "a write to reach the promoted standby");

        Assert.Equal((standby.Port, 2), await ReadAsync(scenario, after));
        Assert.Equal((standby.Port, 2), await ReadAsync(scenario, ReadYourWritesToken.None));
        Assert.Equal((standby.Port, 2), await scenario.ReplicaReadAsync());
    }

    private static Task<(int Port, int Version)> ReadAsync(ReplicaScenario scenario, ReadYourWritesToken token) =>
        scenario.Database.ReadAsync(ReplicaScenario.Key, (c, t) => ReplicaScenario.ReadAsync(c, t), token);
}
