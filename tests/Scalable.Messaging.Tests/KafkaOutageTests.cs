using Confluent.Kafka;
using Microsoft.Extensions.Logging.Testing;
using Scalable.Messaging.Tests.Support;
using Scalable.TestSupport;

namespace Scalable.Messaging.Tests;

// An outage longer than the attempt budget: with 2 attempts and a 1.5 s message timeout, every message would have used its
// attempts within about 4 s of the outage; it lasts 8 s. Nothing may be dead-lettered, and order must hold.
public sealed class KafkaOutageTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    private const int KafkaUnreachableEventId = 5012;

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
        await using var kafka = await OutboxOnOwnKafka.StartAsync(postgres.Server, "kafkaoutage", brokers: 3, partitions: 4, o =>
        {
            o.MaxAttempts = 2;
            o.Producer.MessageTimeoutMs = 1500;
            o.Producer.RetryBackoffMs = 100;
            o.Producer.RetryBackoffMaxMs = 100;
        });
        var logger = new FakeLogger();
        await using var relays = new RunningRelays(kafka.Outbox, count: 1, logger: logger);
        var ids = new List<Guid>(await kafka.EnqueueAsync(keys: 10, from: 0, count: 20));
        Assert.Equal(20, kafka.ReadAll(atLeast: 20, settle: TimeSpan.Zero).Count);

        Begin(kafka.Cluster, outage);
        for (var i = 1; i <= 8; i++)
        {
            ids.AddRange(await kafka.EnqueueAsync(keys: 10, from: i * 20, count: 20));
            await Task.Delay(1000);
        }

        // The outage was felt: messages could not be delivered for several batches.
        Assert.Contains(logger.Collector.GetSnapshot(), r => r.Id.Id == KafkaUnreachableEventId);
        End(kafka.Cluster, outage);

        var read = kafka.ReadAll(atLeast: ids.Count, timeout: TimeSpan.FromSeconds(90));
        Assert.Equal(0, await TestOutbox.CountAsync(kafka.Outbox, "dead_letters"));
        KafkaReader.AssertAllArrivedInKeyOrder(read, ids);
        await kafka.WaitUntilAllSentAsync("the outbox to drain after the outage");
        Assert.Equal(0L, await TestOutbox.ScalarAsync<long>(kafka.Outbox.DataSource, "SELECT count(*) FROM scalable.outbox_messages WHERE attempts > 0"));
    }

    private static void Begin(KafkaMockCluster cluster, Outage outage)
    {
        if (outage == Outage.AllBrokersDown)
        {
            cluster.SetAllBrokersDown();
        }
        else
        {
            cluster.PushRequestErrors(KafkaApiKey.Produce, Enumerable.Repeat(ErrorCode.NotEnoughReplicas, 1000).ToArray());
        }
    }

    private static void End(KafkaMockCluster cluster, Outage outage)
    {
        if (outage == Outage.AllBrokersDown)
        {
            cluster.SetAllBrokersUp();
        }
        else
        {
            cluster.ClearRequestErrors(KafkaApiKey.Produce);
        }
    }
}
