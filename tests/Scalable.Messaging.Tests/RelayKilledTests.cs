using Npgsql;
using Scalable.Messaging.Tests.Support;
using Scalable.TestSupport;

namespace Scalable.Messaging.Tests;

// OutageTests simulates a relay's death with an in-process hook that throws; here the relay is really gone between
// publish and mark: its process is killed with SIGKILL, or PostgreSQL terminates its backend (pg_terminate_backend).
public sealed class RelayKilledTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    public enum Death
    {
        ProcessKilled,
        BackendTerminated,
    }

    [Theory]
    [InlineData(Death.ProcessKilled)]
    [InlineData(Death.BackendTerminated)]
    public async Task A_relay_killed_between_publish_and_mark_is_replaced_without_loss_and_the_inbox_drops_the_redelivered_batch(Death death)
    {
        await using var kafka = await OutboxOnOwnKafka.StartAsync(postgres.Server, "killed", brokers: 1, partitions: 3, o => o.BatchSize = 200);
        var outbox = kafka.Outbox;
        var ids = await kafka.EnqueueAsync(keys: 20, from: 0, count: 2000);

        // A SHARE lock on the table lets the relay claim (SELECT) and publish a batch, but its mark (DELETE) waits: the
        // relay is caught after Kafka acknowledged the batch and before the rows are marked.
        await using var blocker = await outbox.DataSource.OpenConnectionAsync();
        await using var blocking = await blocker.BeginTransactionAsync();
        await ExecuteAsync(blocker, "LOCK TABLE scalable.outbox_messages IN SHARE MODE");
        using var child = death == Death.ProcessKilled
            ? await TestHostProcess.StartAsync("started", "relay", kafka.ConnectionString, kafka.BootstrapServers, "200")
            : null;
        await using var inProcess = death == Death.BackendTerminated ? new RunningRelays(outbox, count: 1) : null;

        var markingBackend = 0;
        await Eventually.TrueAsync(async () =>
        {
            markingBackend = await TestOutbox.ScalarAsync<int>(outbox.DataSource,
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE 'DELETE%'");
            return markingBackend != 0;
        }, because: $"the relay to publish a batch and wait to mark it{(child is null ? "" : $"; relay output:\n{child.Output}")}");
        var crashedBatch = kafka.ReadAll(atLeast: 200).Select(m => m.MessageId).ToHashSet();
        Assert.Equal(200, crashedBatch.Count);

        if (child is not null)
        {
            child.Kill();
        }
        else
        {
            await ExecuteAsync(blocker, $"SELECT pg_terminate_backend({markingBackend})");
        }

        await blocking.RollbackAsync();
        // The killed process is replaced by a relay in this process; the relay whose backend was terminated reconnects.
        await using var replacement = child is not null ? new RunningRelays(outbox, count: 1) : null;
        var read = kafka.ReadAll(atLeast: 2000);

        KafkaReader.AssertOnlyTheUnmarkedBatchTwice(read, ids, crashedBatch);
        await kafka.WaitUntilAllSentAsync("every row to be marked");
        Assert.Equal(2000, await InboxConsumer.ApplyAsync(outbox.DataSource, read));
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
