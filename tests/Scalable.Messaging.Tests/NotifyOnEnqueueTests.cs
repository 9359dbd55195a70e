using Npgsql;
using Scalable.Messaging.Tests.Support;
using Scalable.TestSupport;

namespace Scalable.Messaging.Tests;

public sealed class NotifyOnEnqueueTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task An_enqueuing_commit_notifies_the_relays_only_when_asked(bool notify)
    {
        await using var outbox = await TestOutbox.CreateAsync(await postgres.Server.CreateDatabaseAsync("notify"), "127.0.0.1:9", o => o.NotifyOnEnqueue = notify);
        await using var listener = await outbox.DataSource.OpenConnectionAsync();
        var notifications = 0;
        listener.Notification += (_, _) => Interlocked.Increment(ref notifications);
        await using (var listen = new NpgsqlCommand("LISTEN scalable_outbox", listener))
        {
            await listen.ExecuteNonQueryAsync();
        }

        await TestOutbox.EnqueueAsync(outbox, Messages.RoundRobin("orders", keys: 3, from: 0, count: 3));
        await TestOutbox.EnqueueAsync(outbox, Messages.RoundRobin("orders", keys: 3, from: 3, count: 3), commit: false);
        // A notification sent at the first commit reaches the listener before the answer to a later query on it.
        await Task.Delay(200);
        await using (var sync = new NpgsqlCommand("SELECT 1", listener))
        {
            await sync.ExecuteScalarAsync();
        }

        Assert.Equal(notify ? 1 : 0, Volatile.Read(ref notifications)); // one per committed transaction, none for the rolled-back one
    }

    [Fact]
    public async Task Without_notifications_the_relay_finds_committed_messages_by_polling()
    {
        await using var kafka = await OutboxOnOwnKafka.StartAsync(postgres.Server, "polling", brokers: 1, partitions: 2, o => o.NotifyOnEnqueue = false);
        await using var relays = new RunningRelays(kafka.Outbox, count: 1);

        var ids = await kafka.EnqueueAsync(keys: 3, from: 0, count: 30);

        var read = kafka.ReadAll(atLeast: 30);
        Assert.Equal(ids.Order(), read.Select(m => m.MessageId).Order());
    }
}
