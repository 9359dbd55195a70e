using Microsoft.Extensions.Logging.Testing;
using Scalable.Messaging.Tests.Support;
using Scalable.TestSupport;

namespace Scalable.Messaging.Tests;

public sealed class OutageTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    [Fact]
    public async Task A_broker_down_for_seconds_mid_stream_loses_nothing_and_keeps_key_order()
    {
        // message.timeout.ms longer than the outage can last here (as docs/messaging.md advises for strict order): the batch
        // waits, nothing fails.
        await using var kafka = await OutboxOnOwnKafka.StartAsync(postgres.Server, "outage", brokers: 3, partitions: 6, o => o.Producer.MessageTimeoutMs = 60_000);
        await using var relays = new RunningRelays(kafka.Outbox, count: 2);

        var ids = new List<Guid>();
        var producing = Task.Run(async () =>
        {
            for (var i = 0; i < 60; i++)
            {
                ids.AddRange(await kafka.EnqueueAsync(keys: 30, from: i * 50, count: 50));
                await Task.Delay(100);
            }
        });
        await Task.Delay(1000);
        kafka.Cluster.SetBrokerDown(1);
        // The outage must be felt, not only survived: while broker 1 is down, messages committed more than 2 s earlier are
        // still waiting (without it they leave within milliseconds), because the partitions broker 1 leads (0 and 3) cannot take them
        // and a relay waits for every acknowledgement of its batch. The broker stays down until that is seen, so a loaded
        // machine only makes the wait longer; an outage that is never felt fails here.
        await Eventually.TrueAsync(
            async () => await TestOutbox.ScalarAsync<long>(kafka.Outbox.DataSource, "SELECT count(*) FROM scalable.outbox_messages WHERE created_at < now() - interval '2 seconds'") > 0,
            TimeSpan.FromSeconds(30),
            "messages committed more than 2 s earlier to be still unsent while broker 1 is down");
        kafka.Cluster.SetBrokerUp(1);
        await producing;

        var read = kafka.ReadAll(atLeast: ids.Count, timeout: TimeSpan.FromSeconds(90));
        KafkaReader.AssertAllArrivedInKeyOrder(read, ids);
        await kafka.WaitUntilAllSentAsync("the outbox to drain after the outage");
    }

    [Fact]
    public async Task The_relay_reconnects_after_the_database_restarts_and_publishes_what_was_committed_before_and_after()
    {
        await using var server = await PostgresServer.StartLocalAsync();
        await using var kafka = await OutboxOnOwnKafka.StartAsync(server, "restart", brokers: 1, partitions: 2);
        var outbox = kafka.Outbox;
        var logger = new FakeLogger();
        // While `hold` is set, the relay waits before its next batch: so that messages committed before the stop are
        // still unsent across the restart, and the relay holds a connection that the restart breaks.
        TaskCompletionSource? hold = null;
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var relays = new RunningRelays(outbox, count: 1, (_, relay) => relay.BeforeBatch = token =>
        {
            if (Volatile.Read(ref hold) is not { } gate)
            {
                return Task.CompletedTask;
            }

            held.TrySetResult();
            return gate.Task.WaitAsync(token);
        }, logger);
        var ids = new List<Guid>(await kafka.EnqueueAsync(keys: 5, from: 0, count: 50));
        Assert.Equal(50, kafka.ReadAll(atLeast: 50, settle: TimeSpan.Zero).Count);
        // Marked as sent before the stop, so the exact-set assertion below is about loss, not about at-least-once redelivery.
        await kafka.WaitUntilAllSentAsync("the first 50 to be marked as sent");

        Volatile.Write(ref hold, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        await held.Task.WaitAsync(TimeSpan.FromSeconds(30)); // the relay polls every 200 ms and stops at the gate
        ids.AddRange(await kafka.EnqueueAsync(keys: 5, from: 50, count: 50));
        Assert.Equal(50, await kafka.UnsentAsync());

        await server.StopAsync();
        await Task.Delay(1500); // the listener loses its connection; the relay's breaks under it
        await server.RestartAsync();
        Volatile.Read(ref hold)!.TrySetResult();
        ids.AddRange(await kafka.EnqueueAsync(keys: 5, from: 100, count: 50));

        var read = kafka.ReadAll(atLeast: 150);
        Assert.Equal(ids.Order(), read.Select(m => m.MessageId).Order());
        KafkaReader.AssertPerKeyOrder(read);
        Assert.Contains(logger.Collector.GetSnapshot(), record => record.Id.Id == 5003); // RelayFailed: the restart broke the relay's connection
    }

    [Fact]
    public async Task A_relay_that_dies_between_publish_and_mark_is_replaced_without_loss_and_the_inbox_drops_the_redelivered_batch()
    {
        await using var kafka = await OutboxOnOwnKafka.StartAsync(postgres.Server, "crash", brokers: 1, partitions: 3, o => o.BatchSize = 200);
        var outbox = kafka.Outbox;
        var ids = await kafka.EnqueueAsync(keys: 20, from: 0, count: 2000);
        var crashedBatch = new TaskCompletionSource<Guid[]>(TaskCreationOptions.RunContinuationsAsynchronously);

        await using (new RunningRelays(outbox, count: 1, (_, relay) => relay.AfterPublish = (rows, _) =>
        {
            crashedBatch.TrySetResult(rows.Select(r => r.MessageId).ToArray());
            throw new OperationCanceledException("the relay process dies after Kafka acknowledged the batch, before the rows are marked");
        }))
        {
            await crashedBatch.Task.WaitAsync(TimeSpan.FromSeconds(30));
        }

        Assert.Equal(2000, await TestOutbox.CountAsync(outbox));
        await using var restarted = new RunningRelays(outbox, count: 1);
        var read = kafka.ReadAll(atLeast: 2000);

        KafkaReader.AssertOnlyTheUnmarkedBatchTwice(read, ids, (await crashedBatch.Task).ToHashSet());
        Assert.Equal(2000, await InboxConsumer.ApplyAsync(outbox.DataSource, read));
    }
}
