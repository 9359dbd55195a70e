using System.Text;
using Scalable.Messaging.Tests.Support;
using Scalable.TestSupport;

namespace Scalable.Messaging.Tests;

public sealed class RelayTests(MessagingFixture servers) : IClassFixture<MessagingFixture>
{
    [Fact]
    public async Task Committed_messages_reach_kafka_with_the_message_id_traceparent_and_user_headers_and_leave_the_table()
    {
        var topic = servers.CreateTopic();
        await using var outbox = await NewOutboxAsync();
        IReadOnlyList<Guid> ids;
        string traceParent;
        using (var request = new TestActivity())
        {
            traceParent = request.Activity.Id!;
            var headers = new Dictionary<string, byte[]> { ["tenant"] = "t-1"u8.ToArray() };
            ids = await TestOutbox.EnqueueAsync(outbox, [new OutboxMessage(topic, "order-1", "created"u8.ToArray(), headers), OutboxMessage.FromJson(topic, "order-1", new { Total = 5 })]);
        }

        await using (new RunningRelays(outbox, count: 1))
        {
            var read = KafkaReader.ReadAll(servers.Kafka.BootstrapServers, topic, atLeast: 2);

            Assert.Equal(ids, read.Select(m => m.MessageId));
            Assert.All(read, m => Assert.Equal("order-1", m.Key));
            Assert.Equal("created", Encoding.UTF8.GetString(read[0].Value));
            Assert.Equal("{\"Total\":5}", Encoding.UTF8.GetString(read[1].Value));
            Assert.Equal("t-1", read[0].Header("tenant"));
            Assert.All(read, m => Assert.Equal(traceParent, m.Header(OutboxHeaders.TraceParent)));
            await Eventually.TrueAsync(async () => await TestOutbox.CountAsync(outbox) == 0, because: "published rows to be removed");
        }
    }

    [Fact]
    public async Task Messages_of_a_rolled_back_transaction_never_appear()
    {
        var topic = servers.CreateTopic();
        await using var outbox = await NewOutboxAsync();
        await using var relays = new RunningRelays(outbox, count: 1);

        var before = await TestOutbox.EnqueueAsync(outbox, [Messages.Numbered(topic, "k", 0)]);
        await TestOutbox.EnqueueAsync(outbox, [Messages.Numbered(topic, "k", 1), Messages.Numbered(topic, "other", 0)], commit: false);
        var after = await TestOutbox.EnqueueAsync(outbox, [Messages.Numbered(topic, "k", 2)]);

        var read = KafkaReader.ReadAll(servers.Kafka.BootstrapServers, topic, atLeast: 2, settle: TimeSpan.FromSeconds(2));
        Assert.Equal(before.Concat(after), read.Select(m => m.MessageId));
    }

    [Fact]
    public async Task A_hundred_thousand_messages_over_a_thousand_keys_with_two_relays_arrive_once_each_in_key_order()
    {
        const int Total = 100_000;
        var topic = servers.CreateTopic(partitions: 6);
        await using var outbox = await NewOutboxAsync(o => o.BatchSize = 5000);
        var published = new int[2];
        await using var relays = new RunningRelays(outbox, count: 2, (i, relay) => relay.AfterPublish = (rows, _) =>
        {
            Interlocked.Add(ref published[i], rows.Count);
            return Task.CompletedTask;
        });

        var ids = new List<Guid>();
        for (var from = 0; from < Total; from += 10_000)
        {
            ids.AddRange(await TestOutbox.EnqueueAsync(outbox, Messages.RoundRobin(topic, keys: 1000, from, count: 10_000)));
        }

        var read = KafkaReader.ReadAll(servers.Kafka.BootstrapServers, topic, atLeast: Total, timeout: TimeSpan.FromSeconds(120));

        Assert.Equal(Total, read.Count);
        Assert.Equal(Total, read.Select(m => m.MessageId).Distinct().Count());
        Assert.True(read.Select(m => m.MessageId).ToHashSet().SetEquals(ids));
        KafkaReader.AssertPerKeyOrder(read);
        Assert.All(published, count => Assert.True(count > 0, "both relays published part of the backlog"));
        await Eventually.TrueAsync(async () => await TestOutbox.CountAsync(outbox) == 0, because: "the outbox table to be empty");
    }

    [Fact]
    public async Task A_graceful_stop_finishes_the_batch_in_flight_so_a_restart_publishes_nothing_twice()
    {
        var topic = servers.CreateTopic();
        await using var outbox = await NewOutboxAsync(o => o.BatchSize = 300);
        var ids = await TestOutbox.EnqueueAsync(outbox, Messages.RoundRobin(topic, keys: 50, from: 0, count: 3000));
        RunningRelays? stopping = null;
        var stopRequested = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using (stopping = new RunningRelays(outbox, count: 1, (_, relay) => relay.AfterPublish = (_, _) =>
        {
            // The host starts shutting down while this batch is acknowledged but not yet marked.
            stopping!.StopGracefully();
            stopRequested.TrySetResult();
            return Task.CompletedTask;
        }))
        {
            await stopRequested.Task.WaitAsync(TimeSpan.FromSeconds(30));
            await Eventually.TrueAsync(async () => await TestOutbox.CountAsync(outbox) == 3000 - 300, because: "the batch in flight to be marked");
        }

        await using var restarted = new RunningRelays(outbox, count: 1);
        var read = KafkaReader.ReadAll(servers.Kafka.BootstrapServers, topic, atLeast: 3000);

        Assert.Equal(ids.Order(), read.Select(m => m.MessageId).Order());
        KafkaReader.AssertPerKeyOrder(read);
    }

    private async Task<Outbox> NewOutboxAsync(Action<ScalableMessagingOptions>? configure = null)
        => await TestOutbox.CreateAsync(await servers.Postgres.CreateDatabaseAsync("relay"), servers.Kafka.BootstrapServers, configure);
}
