using Confluent.Kafka;
using Microsoft.Extensions.Logging.Testing;
using Scalable.Messaging.Tests.Support;
using Scalable.TestSupport;

namespace Scalable.Messaging.Tests;

// An outage longer than the attempt budget: with 2 attempts and a 1.5 s message timeout, every message would have used its
// attempts within about 4 s of the outage; it lasts 8 s. Nothing may be dead-lettered, and order must hold.
public sealed class KafkaOutageTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    public enum Outage
    {
        AllBrokersDown,
        ProduceRequestsFail,
    }

    [Theory]
    [InlineData(Outage.AllBrokersDown)]
    [InlineData(Outage.ProduceRequestsFail)]
    public async Task An_outage_longer_than_the_attempt_budget_dead_letters_nothing_and_keeps_key_order(Outage outage)
    {
        using var cluster = KafkaMockCluster.StartLocal(brokers: 3);
        cluster.CreateTopic("orders", partitions: 4, replicationFactor: 3);
        await using var outbox = await TestOutbox.CreateAsync(await postgres.Server.CreateDatabaseAsync("kafkaoutage"), cluster.BootstrapServers, o =>
        {
            o.MaxAttempts = 2;
            o.Producer.MessageTimeoutMs = 1500;
            o.Producer.RetryBackoffMs = 100;
            o.Producer.RetryBackoffMaxMs = 100;
        });
        var logger = new FakeLogger();
        await using var relays = new RunningRelays(outbox, count: 1, logger: logger);
        var ids = new List<Guid>(await TestOutbox.EnqueueAsync(outbox, Messages.RoundRobin("orders", keys: 10, from: 0, count: 20)));
        Assert.Equal(20, KafkaReader.ReadAll(cluster.BootstrapServers, "orders", atLeast: 20, settle: TimeSpan.Zero).Count);

        if (outage == Outage.AllBrokersDown)
        {
            cluster.SetAllBrokersDown();
        }
        else
        {
            cluster.PushRequestErrors(KafkaApiKey.Produce, Enumerable.Repeat(ErrorCode.NotEnoughReplicas, 1000).ToArray());
        }

        for (var i = 1; i <= 8; i++)
        {
            ids.AddRange(await TestOutbox.EnqueueAsync(outbox, Messages.RoundRobin("orders", keys: 10, from: i * 20, count: 20)));
            await Task.Delay(1000);
        }

        // The outage was felt: messages could not be delivered for several batches.
        Assert.Contains(logger.Collector.GetSnapshot(), r => r.Id.Id == 5012);
        if (outage == Outage.AllBrokersDown)
        {
            cluster.SetAllBrokersUp();
        }
        else
        {
            cluster.ClearRequestErrors(KafkaApiKey.Produce);
        }

        var read = KafkaReader.ReadAll(cluster.BootstrapServers, "orders", atLeast: ids.Count, timeout: TimeSpan.FromSeconds(90));
        Assert.Equal(0, await TestOutbox.CountAsync(outbox, "dead_letters"));
        Assert.True(read.Select(m => m.MessageId).ToHashSet().SetEquals(ids), $"every message arrives ({read.Select(m => m.MessageId).Distinct().Count()} of {ids.Count})");
        KafkaReader.AssertPerKeyOrder(read);
        await Eventually.TrueAsync(async () => await TestOutbox.CountAsync(outbox) == 0, because: "the outbox to drain after the outage");
        Assert.Equal(0L, await TestOutbox.ScalarAsync<long>(outbox.DataSource, "SELECT count(*) FROM scalable.outbox_messages WHERE attempts > 0"));
    }
}
