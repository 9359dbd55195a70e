using Confluent.Kafka;
using Microsoft.Extensions.Logging.Testing;
using Scalable.Messaging.Tests.Support;
using Scalable.TestSupport;

namespace Scalable.Messaging.Tests;

public sealed class OutageTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    [Fact]
    public async Task A_broker_down_for_seconds_mid_stream_loses_nothing_and_keeps_key_order()
    {
        using var cluster = KafkaMockCluster.StartLocal(brokers: 3);
        cluster.CreateTopic("orders", partitions: 6, replicationFactor: 3);
        // message.timeout.ms longer than the outage (as docs/messaging.md advises for strict order): the batch waits, nothing fails.
        await using var outbox = await TestOutbox.CreateAsync(await postgres.Server.CreateDatabaseAsync("outage"), cluster.BootstrapServers, o => o.Producer.MessageTimeoutMs = 30_000);
        await using var relays = new RunningRelays(outbox, count: 2);

        var ids = new List<Guid>();
        var producing = Task.Run(async () =>
        {
            for (var i = 0; i < 60; i++)
            {
                ids.AddRange(await TestOutbox.EnqueueAsync(outbox, Messages.RoundRobin("orders", keys: 30, from: i * 50, count: 50)));
                await Task.Delay(100);
            }
        });
        await Task.Delay(1000);
        cluster.SetBrokerDown(1);
        await Task.Delay(4000);
        // The outage must be felt, not only survived: messages committed seconds ago are still waiting (without it they
        // leave within milliseconds), because the partitions broker 1 leads cannot take them and a relay waits for every
        // acknowledgement of its batch.
        var waiting = await TestOutbox.ScalarAsync<long>(outbox.DataSource, "SELECT count(*) FROM scalable.outbox_messages WHERE created_at < now() - interval '2 seconds'");
        cluster.SetBrokerUp(1);
        Assert.True(waiting > 0, "messages committed more than 2 s before the broker came back were still unsent");
        await producing;

        var read = KafkaReader.ReadAll(cluster.BootstrapServers, "orders", atLeast: ids.Count, timeout: TimeSpan.FromSeconds(90));
        Assert.True(read.Select(m => m.MessageId).ToHashSet().SetEquals(ids), $"every message arrives ({read.Select(m => m.MessageId).Distinct().Count()} of {ids.Count})");
        KafkaReader.AssertPerKeyOrder(read);
        await Eventually.TrueAsync(async () => await TestOutbox.CountAsync(outbox) == 0, because: "the outbox to drain after the outage");
    }

    [Fact]
    public async Task The_relay_reconnects_after_the_database_restarts_and_publishes_what_was_committed_before_and_after()
    {
        using var cluster = KafkaMockCluster.StartLocal(brokers: 1);
        cluster.CreateTopic("orders", partitions: 2);
        await using var server = await PostgresServer.StartLocalAsync();
        await using var outbox = await TestOutbox.CreateAsync(await server.CreateDatabaseAsync("restart"), cluster.BootstrapServers);
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
        var ids = new List<Guid>(await TestOutbox.EnqueueAsync(outbox, Messages.RoundRobin("orders", keys: 5, from: 0, count: 50)));
        Assert.Equal(50, KafkaReader.ReadAll(cluster.BootstrapServers, "orders", atLeast: 50, settle: TimeSpan.Zero).Count);
        // Marked as sent before the stop, so the exact-set assertion below is about loss, not about at-least-once redelivery.
        await Eventually.TrueAsync(async () => await TestOutbox.CountAsync(outbox) == 0, because: "the first 50 to be marked as sent");

        Volatile.Write(ref hold, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        await held.Task.WaitAsync(TimeSpan.FromSeconds(30)); // the relay polls every 200 ms and stops at the gate
        ids.AddRange(await TestOutbox.EnqueueAsync(outbox, Messages.RoundRobin("orders", keys: 5, from: 50, count: 50)));
        Assert.Equal(50, await TestOutbox.CountAsync(outbox));

        await server.StopAsync();
        await Task.Delay(1500); // the listener loses its connection; the relay's breaks under it
        await server.RestartAsync();
        Volatile.Read(ref hold)!.TrySetResult();
        ids.AddRange(await TestOutbox.EnqueueAsync(outbox, Messages.RoundRobin("orders", keys: 5, from: 100, count: 50)));

        var read = KafkaReader.ReadAll(cluster.BootstrapServers, "orders", atLeast: 150);
        Assert.Equal(ids.Order(), read.Select(m => m.MessageId).Order());
        KafkaReader.AssertPerKeyOrder(read);
        Assert.Contains(logger.Collector.GetSnapshot(), record => record.Id.Id == 5003); // RelayFailed: the restart broke the relay's connection
    }

    [Fact]
    public async Task A_relay_that_dies_between_publish_and_mark_is_replaced_without_loss_and_the_inbox_drops_the_redelivered_batch()
    {
        using var cluster = KafkaMockCluster.StartLocal(brokers: 1);
        cluster.CreateTopic("orders", partitions: 3);
        await using var outbox = await TestOutbox.CreateAsync(await postgres.Server.CreateDatabaseAsync("crash"), cluster.BootstrapServers, o => o.BatchSize = 200);
        var ids = await TestOutbox.EnqueueAsync(outbox, Messages.RoundRobin("orders", keys: 20, from: 0, count: 2000));
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
        var read = KafkaReader.ReadAll(cluster.BootstrapServers, "orders", atLeast: 2000);

        var unacknowledged = (await crashedBatch.Task).ToHashSet();
        var duplicates = read.GroupBy(m => m.MessageId).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.True(read.Select(m => m.MessageId).ToHashSet().SetEquals(ids), "every message arrives");
        Assert.Equal(2000 + unacknowledged.Count, read.Count);
        Assert.True(unacknowledged.SetEquals(duplicates), "only the batch that was never marked is delivered twice, with the same message ids");
        KafkaReader.AssertPerKeyOrder(read);
        Assert.Equal(2000, await InboxConsumer.ApplyAsync(outbox.DataSource, read));
    }
}
