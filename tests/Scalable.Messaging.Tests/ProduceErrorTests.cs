using Confluent.Kafka;
using Scalable.Messaging.Tests.Support;
using Scalable.TestSupport;

namespace Scalable.Messaging.Tests;

public sealed class ProduceErrorTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    [Fact]
    public async Task Retriable_produce_errors_are_retried_and_every_message_is_delivered_once_in_key_order()
    {
        await using var scenario = await WarmedUpAsync();

        var read = await scenario.PublishWithErrorsAsync(ErrorCode.NotEnoughReplicas, ErrorCode.NotLeaderForPartition, ErrorCode.RequestTimedOut);

        Assert.Equal(scenario.Expected.Order(), read.Select(m => m.MessageId).Order());
        KafkaReader.AssertPerKeyOrder(read);
    }

    [Fact]
    public async Task Non_retriable_produce_errors_make_the_producer_fatal_and_a_new_producer_delivers_everything_in_key_order()
    {
        await using var scenario = await WarmedUpAsync();

        var read = await scenario.PublishWithErrorsAsync(ErrorCode.TopicAuthorizationFailed, ErrorCode.TopicAuthorizationFailed);

        Assert.Equal(scenario.Expected.Order(), read.Select(m => m.MessageId).Order());
        KafkaReader.AssertPerKeyOrder(read);
        var producers = scenario.Relays.Relays[0].ProducersCreated;
        Assert.True(producers >= 2, $"the producer was recreated after the fatal error ({producers} created)");
        await Eventually.TrueAsync(async () => await TestOutbox.CountAsync(scenario.Outbox) == 0, because: "the retried rows to be removed");
        Assert.Equal(0, await TestOutbox.CountAsync(scenario.Outbox, "dead_letters"));
    }

    // A one-broker cluster and a relay that has already delivered 20 messages, so the producer is connected before errors are injected.
    private async Task<Scenario> WarmedUpAsync()
    {
        var cluster = KafkaMockCluster.StartLocal(brokers: 1);
        cluster.CreateTopic("orders", partitions: 2);
        var outbox = await TestOutbox.CreateAsync(await postgres.Server.CreateDatabaseAsync("errors"), cluster.BootstrapServers);
        var scenario = new Scenario(cluster, outbox, new RunningRelays(outbox, count: 1));
        scenario.Expected.AddRange(await TestOutbox.EnqueueAsync(outbox, Messages.RoundRobin("orders", keys: 4, from: 0, count: 20)));
        Assert.Equal(20, KafkaReader.ReadAll(cluster.BootstrapServers, "orders", atLeast: 20, settle: TimeSpan.Zero).Count);
        return scenario;
    }

    private sealed class Scenario(KafkaMockCluster cluster, Outbox outbox, RunningRelays relays) : IAsyncDisposable
    {
        public Outbox Outbox => outbox;

        public RunningRelays Relays => relays;

        public List<Guid> Expected { get; } = [];

        public async Task<List<ReadMessage>> PublishWithErrorsAsync(params ErrorCode[] errors)
        {
            cluster.PushRequestErrors(KafkaApiKey.Produce, errors);
            Expected.AddRange(await TestOutbox.EnqueueAsync(outbox, Messages.RoundRobin("orders", keys: 4, from: 20, count: 40)));
            return KafkaReader.ReadAll(cluster.BootstrapServers, "orders", atLeast: Expected.Count);
        }

        public async ValueTask DisposeAsync()
        {
            await relays.DisposeAsync();
            await outbox.DisposeAsync();
            cluster.Dispose();
        }
    }
}
