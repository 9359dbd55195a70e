using Confluent.Kafka;
using Scalable.TestSupport;

namespace Scalable.TestSupport.Tests;

public sealed class KafkaSmokeTests(KafkaFixture kafka) : IClassFixture<KafkaFixture>
{
    [Fact]
    public async Task Produced_messages_are_consumed_by_a_consumer_group_in_order()
    {
        var topic = kafka.CreateTopic(partitions: 3);
        using (var producer = new ProducerBuilder<string, string>(new ProducerConfig
        {
            BootstrapServers = kafka.Cluster.BootstrapServers,
            EnableIdempotence = true,
            Acks = Acks.All,
        }).Build())
        {
            for (var i = 0; i < 30; i++)
            {
                await producer.ProduceAsync(topic, new Message<string, string> { Key = $"k{i % 3}", Value = i.ToString(System.Globalization.CultureInfo.InvariantCulture) });
            }
        }

        using var consumer = new ConsumerBuilder<string, string>(new ConsumerConfig
        {
            BootstrapServers = kafka.Cluster.BootstrapServers,
            GroupId = $"group-{Guid.NewGuid():N}",
            AutoOffsetReset = AutoOffsetReset.Earliest,
        }).Build();
        consumer.Subscribe(topic);
        var byKey = new Dictionary<string, List<int>>();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        var received = 0;
        while (received < 30 && DateTime.UtcNow < deadline)
        {
            var result = consumer.Consume(TimeSpan.FromMilliseconds(200));
            if (result is null)
            {
                continue;
            }

            received++;
            if (!byKey.TryGetValue(result.Message.Key, out var values))
            {
                byKey[result.Message.Key] = values = [];
            }

            values.Add(int.Parse(result.Message.Value, System.Globalization.CultureInfo.InvariantCulture));
        }

        consumer.Close();
        Assert.Equal(30, received);
        Assert.Equal(3, byKey.Count);
        Assert.All(byKey.Values, values => Assert.Equal(values.Order(), values));
    }

    [Fact]
    public async Task Produce_fails_while_the_broker_is_down_and_succeeds_after_it_is_up()
    {
        using var cluster = KafkaMockCluster.StartLocal(brokers: 1);
        cluster.CreateTopic("outage", partitions: 1);
        using var producer = new ProducerBuilder<Null, string>(new ProducerConfig
        {
            BootstrapServers = cluster.BootstrapServers,
            MessageTimeoutMs = 1500,
            EnableIdempotence = true,
        }).Build();
        // The 1.5 s message timeout that makes the outage quick to see can also expire on a busy machine while the
        // idempotent producer is still getting its id: the first delivery is waited for like the one after the outage.
        await ProduceUntilDeliveredAsync(producer, "before", "a first produce to succeed while the broker is up");

        cluster.SetBrokerDown(1);
        var failure = await Assert.ThrowsAsync<ProduceException<Null, string>>(
            () => producer.ProduceAsync("outage", new Message<Null, string> { Value = "during" }));
        Assert.Equal(ErrorCode.Local_MsgTimedOut, failure.Error.Code);

        cluster.SetBrokerUp(1);
        var delivered = await ProduceUntilDeliveredAsync(producer, "after", "a produce to succeed after the broker is back");
        Assert.Equal(PersistenceStatus.Persisted, delivered.Status);
    }

    // Produces until one delivery succeeds; a message that timed out is retried (the client is still connecting).
    private static async Task<DeliveryResult<Null, string>> ProduceUntilDeliveredAsync(IProducer<Null, string> producer, string value, string because)
    {
        DeliveryResult<Null, string>? delivered = null;
        await Eventually.TrueAsync(async () =>
        {
            try
            {
                delivered = await producer.ProduceAsync("outage", new Message<Null, string> { Value = value });
                return true;
            }
            catch (ProduceException<Null, string> ex) when (ex.Error.Code == ErrorCode.Local_MsgTimedOut)
            {
                return false;
            }
        }, because: because);
        return delivered!;
    }

    [Fact]
    public async Task Pushed_request_errors_are_retried_by_the_producer()
    {
        using var cluster = KafkaMockCluster.StartLocal(brokers: 1);
        cluster.CreateTopic("errors", partitions: 1);
        using var producer = new ProducerBuilder<Null, string>(new ProducerConfig { BootstrapServers = cluster.BootstrapServers }).Build();
        await producer.ProduceAsync("errors", new Message<Null, string> { Value = "warm-up" });

        cluster.PushRequestErrors(KafkaApiKey.Produce, ErrorCode.NotEnoughReplicas, ErrorCode.NotEnoughReplicas);
        var delivered = await producer.ProduceAsync("errors", new Message<Null, string> { Value = "retried" });

        Assert.Equal(PersistenceStatus.Persisted, delivered.Status);
        Assert.Equal(1, delivered.Offset.Value);
    }
}
