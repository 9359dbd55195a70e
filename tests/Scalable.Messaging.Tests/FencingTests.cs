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
        await using var kafka = await OutboxOnOwnKafka.StartAsync(postgres.Server, "fencing", brokers: 1, partitions: 2, o => o.Producer.MessageTimeoutMs = 60_000);
        var outbox = kafka.Outbox;
        var logger = new FakeLogger();
        await using var relays = new RunningRelays(outbox, count: 2, logger: logger);
        var ids = new List<Guid>(await kafka.EnqueueAsync(keys: 5, from: 0, count: 20));
        Assert.Equal(20, kafka.ReadAll(atLeast: 20, settle: TimeSpan.Zero).Count);
        await kafka.WaitUntilAllSentAsync("the first messages to be marked");

        kafka.Cluster.SetAllBrokersDown();
        ids.AddRange(await kafka.EnqueueAsync(keys: 5, from: 20, count: 100));
        var holder = 0;
        await Eventually.TrueAsync(async () =>
        {
            holder = await TestOutbox.ScalarAsync<int>(outbox.DataSource, """
                SELECT l.pid FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
                WHERE l.locktype = 'advisory' AND l.granted AND a.state = 'idle in transaction' AND a.query = 'SELECT 1'
                AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) LIMIT 1
                """);
            return holder != 0;
        }, because: "a relay to hold the buckets of a batch waiting for Kafka (its transaction open, its last statement the session check)");
        // Only the session check that runs while a batch waits for Kafka sends `SELECT 1` inside the relay's transaction: a
        // relay caught between its claim statements instead would fail its next statement (event 5003) and never be fenced.
        await TestOutbox.ScalarAsync<bool>(outbox.DataSource, $"SELECT pg_terminate_backend({holder})");

        await Eventually.TrueAsync(() => logger.Collector.GetSnapshot().Any(r => r.Id.Id == 5013), because: "the relay to notice that its session ended");
        kafka.Cluster.SetAllBrokersUp();

        var read = kafka.ReadAll(atLeast: ids.Count, settle: TimeSpan.FromSeconds(3));
        KafkaReader.AssertAllArrivedInKeyOrder(read, ids);
        Assert.Equal(ids.Count, read.Count);
    }

    [Fact]
    public async Task A_relay_waiting_for_Kafka_is_not_ended_by_the_servers_idle_in_transaction_timeout()
    {
        // The test writes through an outbox of its own, so only the relay's sessions run under the 300 ms idle-in-transaction timeout.
        await using var kafka = await OutboxOnOwnKafka.StartAsync(postgres.Server, "idle", brokers: 1, partitions: 2);
        var strict = new NpgsqlConnectionStringBuilder(kafka.ConnectionString) { Options = "-c idle_in_transaction_session_timeout=300" }.ConnectionString;
        await using var outbox = await TestOutbox.CreateAsync(strict, kafka.BootstrapServers, o => o.Producer.MessageTimeoutMs = 60_000);
        var logger = new FakeLogger();
        await using var relays = new RunningRelays(outbox, count: 1, logger: logger);
        var ids = new List<Guid>(await kafka.EnqueueAsync(keys: 5, from: 0, count: 20));
        Assert.Equal(20, kafka.ReadAll(atLeast: 20, settle: TimeSpan.Zero).Count);

        kafka.Cluster.SetAllBrokersDown();
        ids.AddRange(await kafka.EnqueueAsync(keys: 5, from: 20, count: 50));
        await Task.Delay(2000); // several idle-in-transaction timeouts long
        kafka.Cluster.SetAllBrokersUp();

        var read = kafka.ReadAll(atLeast: ids.Count, settle: TimeSpan.FromSeconds(2));
        Assert.Equal(ids.Count, read.Count);
        Assert.DoesNotContain(logger.Collector.GetSnapshot(), r => r.Id.Id is 5013 or 5003);
    }
}
