using Microsoft.Extensions.Logging.Testing;
using Npgsql;
using Scalable.Messaging.Tests.Support;
using Scalable.TestSupport;

namespace Scalable.Messaging.Tests;

public sealed class FencingTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    // The brokers are down, so a relay's batch sits in its producer's queue; the server ends that relay's session and
    // another relay takes the buckets over. When the brokers return, the first relay must not send its queued batch too.
    [Fact]
    public async Task A_relay_whose_session_the_server_ended_stops_producing_and_nothing_is_published_twice()
    {
        using var cluster = KafkaMockCluster.StartLocal(brokers: 1);
        cluster.CreateTopic("orders", partitions: 2);
        await using var outbox = await TestOutbox.CreateAsync(await postgres.Server.CreateDatabaseAsync("fencing"), cluster.BootstrapServers, o => o.Producer.MessageTimeoutMs = 60_000);
        var logger = new FakeLogger();
        await using var relays = new RunningRelays(outbox, count: 2, logger: logger);
        var ids = new List<Guid>(await TestOutbox.EnqueueAsync(outbox, Messages.RoundRobin("orders", keys: 5, from: 0, count: 20)));
        Assert.Equal(20, KafkaReader.ReadAll(cluster.BootstrapServers, "orders", atLeast: 20, settle: TimeSpan.Zero).Count);
        await Eventually.TrueAsync(async () => await TestOutbox.CountAsync(outbox) == 0, because: "the first messages to be marked");

        cluster.SetAllBrokersDown();
        ids.AddRange(await TestOutbox.EnqueueAsync(outbox, Messages.RoundRobin("orders", keys: 5, from: 20, count: 100)));
        var holder = 0;
        await Eventually.TrueAsync(async () =>
        {
            holder = await TestOutbox.ScalarAsync<int>(outbox.DataSource, """
                SELECT l.pid FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
                WHERE l.locktype = 'advisory' AND l.granted AND a.state = 'idle in transaction'
                AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) LIMIT 1
                """);
            return holder != 0;
        }, because: "a relay to hold the buckets of a batch waiting for Kafka (its transaction open, not backing off between batches)");
        await TestOutbox.ScalarAsync<bool>(outbox.DataSource, $"SELECT pg_terminate_backend({holder})");

        await Eventually.TrueAsync(() => logger.Collector.GetSnapshot().Any(r => r.Id.Id == 5013), because: "the relay to notice that its session ended");
        cluster.SetAllBrokersUp();

        var read = KafkaReader.ReadAll(cluster.BootstrapServers, "orders", atLeast: ids.Count, settle: TimeSpan.FromSeconds(3));
        Assert.True(read.Select(m => m.MessageId).ToHashSet().SetEquals(ids), "every message arrives");
        Assert.Equal(ids.Count, read.Count);
        KafkaReader.AssertPerKeyOrder(read);
    }

    [Fact]
    public async Task A_relay_waiting_for_Kafka_is_not_ended_by_the_servers_idle_in_transaction_timeout()
    {
        using var cluster = KafkaMockCluster.StartLocal(brokers: 1);
        cluster.CreateTopic("orders", partitions: 2);
        var plain = await postgres.Server.CreateDatabaseAsync("idle");
        // The test writes through its own outbox, so only the relay's sessions run under the 300 ms idle-in-transaction timeout.
        await using var writer = await TestOutbox.CreateAsync(plain, cluster.BootstrapServers);
        var strict = new NpgsqlConnectionStringBuilder(plain) { Options = "-c idle_in_transaction_session_timeout=300" }.ConnectionString;
        await using var outbox = await TestOutbox.CreateAsync(strict, cluster.BootstrapServers, o => o.Producer.MessageTimeoutMs = 60_000);
        var logger = new FakeLogger();
        await using var relays = new RunningRelays(outbox, count: 1, logger: logger);
        var ids = new List<Guid>(await TestOutbox.EnqueueAsync(writer, Messages.RoundRobin("orders", keys: 5, from: 0, count: 20)));
        Assert.Equal(20, KafkaReader.ReadAll(cluster.BootstrapServers, "orders", atLeast: 20, settle: TimeSpan.Zero).Count);

        cluster.SetAllBrokersDown();
        ids.AddRange(await TestOutbox.EnqueueAsync(writer, Messages.RoundRobin("orders", keys: 5, from: 20, count: 50)));
        await Task.Delay(2000); // several idle-in-transaction timeouts long
        cluster.SetAllBrokersUp();

        var read = KafkaReader.ReadAll(cluster.BootstrapServers, "orders", atLeast: ids.Count, settle: TimeSpan.FromSeconds(2));
        Assert.Equal(ids.Count, read.Count);
        Assert.DoesNotContain(logger.Collector.GetSnapshot(), r => r.Id.Id is 5013 or 5003);
    }
}
