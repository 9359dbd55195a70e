using Confluent.Kafka;
using Microsoft.Extensions.Logging.Testing;
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
        // The errors must have hit the relay's produce requests (librdkafka retried them, so the relay saw no failure):
        // its producer logs each failed message set at debug level.
        scenario.AssertProduceFailed(ErrorCode.NotEnoughReplicas, ErrorCode.NotLeaderForPartition, ErrorCode.RequestTimedOut);
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

    // A one-broker cluster and a relay that has already delivered 20 messages, so the producer is connected before errors
    // are injected. librdkafka's "msg" debug context logs every failed message set, to tell that the errors were met.
    private async Task<Scenario> WarmedUpAsync()
    {
        var kafka = await OutboxOnOwnKafka.StartAsync(postgres.Server, "errors", brokers: 1, partitions: 2, o => o.Producer.Debug = "msg");
        var logger = new FakeLogger();
        var scenario = new Scenario(kafka, new RunningRelays(kafka.Outbox, count: 1, logger: logger), logger);
        scenario.Expected.AddRange(await kafka.EnqueueAsync(keys: 4, from: 0, count: 20));
        Assert.Equal(20, kafka.ReadAll(atLeast: 20, settle: TimeSpan.Zero).Count);
        return scenario;
    }

    private sealed class Scenario(OutboxOnOwnKafka kafka, RunningRelays relays, FakeLogger logger) : IAsyncDisposable
    {
        public Outbox Outbox => kafka.Outbox;

        public RunningRelays Relays => relays;

        public List<Guid> Expected { get; } = [];

        public async Task<List<ReadMessage>> PublishWithErrorsAsync(params ErrorCode[] errors)
        {
            kafka.Cluster.PushRequestErrors(KafkaApiKey.Produce, errors);
            Expected.AddRange(await kafka.EnqueueAsync(keys: 4, from: 20, count: 40));
            return kafka.ReadAll(atLeast: Expected.Count);
        }

        public void AssertProduceFailed(params ErrorCode[] errors)
        {
            var librdkafka = logger.Collector.GetSnapshot().Where(r => r.Id.Id == 5011).Select(r => r.Message).ToList();
            foreach (var error in errors)
            {
                var reason = new Error(error).Reason;
                Assert.True(librdkafka.Any(line => line.Contains(reason, StringComparison.Ordinal)), $"a produce request failed with '{reason}'; librdkafka logged:\n{string.Join('\n', librdkafka.TakeLast(40))}");
            }
        }

        public async ValueTask DisposeAsync()
        {
            await relays.DisposeAsync();
            await kafka.DisposeAsync();
        }
    }
}
