using Scalable.Messaging.Tests.Support;
using Scalable.TestSupport;

namespace Scalable.Messaging.Tests;

public sealed class QueueFullTests(MessagingFixture servers) : IClassFixture<MessagingFixture>
{
    // librdkafka's queue holds 5 messages and a batch has 200: the relay must wait for room (never calling Poll, which the
    // producer's background polling forbids) and never produce part of a batch twice.
    [Fact]
    public async Task A_producer_queue_smaller_than_the_batch_delivers_every_message_once_in_key_order()
    {
        var topic = servers.CreateTopic();
        await using var outbox = await TestOutbox.CreateAsync(await servers.Postgres.CreateDatabaseAsync("queuefull"), servers.Kafka.BootstrapServers, o =>
        {
            o.BatchSize = 200;
            o.Producer.QueueBufferingMaxMessages = 5;
        });
        var ids = await TestOutbox.EnqueueAsync(outbox, Messages.RoundRobin(topic, keys: 7, from: 0, count: 600));
        await using var relays = new RunningRelays(outbox, count: 1);

        var read = KafkaReader.ReadAll(servers.Kafka.BootstrapServers, topic, atLeast: 600, timeout: TimeSpan.FromSeconds(60));

        Assert.True(read.Select(m => m.MessageId).ToHashSet().SetEquals(ids), $"every message arrives ({read.Select(m => m.MessageId).Distinct().Count()} of 600)");
        Assert.Equal(600, read.Count);
        KafkaReader.AssertPerKeyOrder(read);
    }
}
