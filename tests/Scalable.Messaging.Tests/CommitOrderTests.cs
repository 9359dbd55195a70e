using Npgsql;
using Scalable.Messaging.Tests.Support;
using Scalable.TestSupport;

namespace Scalable.Messaging.Tests;

public sealed class CommitOrderTests(MessagingFixture servers) : IClassFixture<MessagingFixture>
{
    // Two transactions write the same key; the one that inserted first (lower id) tries to commit last. Kafka must show the
    // key's messages in the order the transactions committed.
    [Fact]
    public async Task A_keys_messages_reach_Kafka_in_the_order_their_transactions_committed()
    {
        var topic = servers.CreateTopic();
        await using var outbox = await TestOutbox.CreateAsync(await servers.Postgres.CreateDatabaseAsync("commitorder"), servers.Kafka.BootstrapServers);
        var committed = new List<long>();

        await using var first = await outbox.DataSource.OpenConnectionAsync();
        await using var firstTransaction = await first.BeginTransactionAsync();
        await outbox.EnqueueAsync(firstTransaction, Messages.Numbered(topic, "k", 0));

        await using var second = await outbox.DataSource.OpenConnectionAsync();
        var secondPid = second.ProcessID;
        await using var secondTransaction = await second.BeginTransactionAsync();
        var secondEnqueue = outbox.EnqueueAsync(secondTransaction, Messages.Numbered(topic, "k", 1)).AsTask();
        // Either the second insert is done (it got the higher id) or it waits for the first transaction.
        await Eventually.TrueAsync(async () => secondEnqueue.IsCompleted || await IsWaitingAsync(outbox.DataSource, secondPid), because: "the second enqueue to finish or wait");

        if (secondEnqueue.IsCompleted)
        {
            await secondEnqueue;
            await secondTransaction.CommitAsync();
            committed.Add(1);
            await firstTransaction.CommitAsync();
            committed.Add(0);
        }
        else
        {
            await firstTransaction.CommitAsync();
            committed.Add(0);
            await secondEnqueue;
            await secondTransaction.CommitAsync();
            committed.Add(1);
        }

        await using var relays = new RunningRelays(outbox, count: 1);
        var read = KafkaReader.ReadAll(servers.Kafka.BootstrapServers, topic, atLeast: 2);
        Assert.Equal(committed, read.Select(m => m.Sequence));
    }

    private static async Task<bool> IsWaitingAsync(NpgsqlDataSource dataSource, int pid)
        => await TestOutbox.ScalarAsync<bool>(dataSource, $"SELECT EXISTS (SELECT 1 FROM pg_locks WHERE pid = {pid} AND NOT granted)");
}
