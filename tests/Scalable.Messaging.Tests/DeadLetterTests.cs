using Scalable.Messaging.Tests.Support;
using Scalable.TestSupport;

namespace Scalable.Messaging.Tests;

public sealed class DeadLetterTests(MessagingFixture servers) : IClassFixture<MessagingFixture>
{
    // The producer refuses messages over 10 kB (message.max.bytes) while the outbox accepts up to 1 MB: a genuinely undeliverable message.
    private const int ProducerLimit = 10_000;

    // Too large is never retried: the message is dead-lettered on its first attempt, not after MaxAttempts.
    [Fact]
    public async Task An_undeliverable_message_is_dead_lettered_at_once_with_its_error_while_other_keys_flow_and_its_key_is_released()
    {
        var topic = servers.CreateTopic();
        await using var outbox = await NewOutboxAsync(hold: false);
        await using var relays = new RunningRelays(outbox, count: 1);

        var before = await TestOutbox.EnqueueAsync(outbox, Messages.RoundRobin(topic, keys: 5, from: 0, count: 50));
        var poison = await TestOutbox.EnqueueAsync(outbox, [Messages.Numbered(topic, "key-0", 10, payloadBytes: 4 * ProducerLimit)]);
        var after = await TestOutbox.EnqueueAsync(outbox, Messages.RoundRobin(topic, keys: 5, from: 55, count: 50));

        var read = KafkaReader.ReadAll(servers.Kafka.BootstrapServers, topic, atLeast: 100, settle: TimeSpan.FromSeconds(2));
        Assert.Equal(before.Concat(after).Order(), read.Select(m => m.MessageId).Order());
        KafkaReader.AssertPerKeyOrder(read);
        await Eventually.TrueAsync(async () => await TestOutbox.CountAsync(outbox) == 0, because: "the outbox to drain");
        var deadLetter = await TestOutbox.ScalarAsync<string>(outbox.DataSource, $"SELECT last_error FROM scalable.outbox_dead_letters WHERE message_id = '{poison[0]}' AND attempts = 1");
        Assert.Contains("MsgSizeTooLarge", deadLetter, StringComparison.Ordinal);

        Assert.Equal(0, await outbox.PurgeDeadLettersAsync(DateTimeOffset.UtcNow.AddHours(-1)));
        Assert.Equal(1, await outbox.PurgeDeadLettersAsync(DateTimeOffset.UtcNow.AddHours(1), batchSize: 1));
        Assert.Equal(0, await TestOutbox.CountAsync(outbox, "dead_letters"));
    }

    [Fact]
    public async Task With_hold_the_later_messages_of_a_dead_lettered_key_wait_until_the_key_is_released()
    {
        var topic = servers.CreateTopic();
        await using var outbox = await NewOutboxAsync(hold: true);
        await using var relays = new RunningRelays(outbox, count: 1);

        await TestOutbox.EnqueueAsync(outbox, [Messages.Numbered(topic, "held", 0, payloadBytes: 4 * ProducerLimit)]);
        var waiting = await TestOutbox.EnqueueAsync(outbox, [Messages.Numbered(topic, "held", 1), Messages.Numbered(topic, "held", 2)]);
        var others = await TestOutbox.EnqueueAsync(outbox, Messages.RoundRobin(topic, keys: 3, from: 0, count: 30));

        await Eventually.TrueAsync(async () => await TestOutbox.CountAsync(outbox, "dead_letters") == 1, because: "the first message to be dead-lettered");
        var read = KafkaReader.ReadAll(servers.Kafka.BootstrapServers, topic, atLeast: 30, settle: TimeSpan.FromSeconds(2));
        Assert.Equal(others.Order(), read.Select(m => m.MessageId).Order());
        Assert.Equal(2, await TestOutbox.CountAsync(outbox));

        Assert.True(await outbox.ReleaseKeyAsync("held"));

        read = KafkaReader.ReadAll(servers.Kafka.BootstrapServers, topic, atLeast: 32);
        Assert.Equal(waiting, read.Where(m => m.Key == "held").Select(m => m.MessageId));
    }

    // The operator raises the producer's limit and replays: the dead letter goes out first, then the key's waiting messages.
    [Fact]
    public async Task Dead_letters_are_listed_per_key_and_replayed_in_order_before_the_held_keys_later_messages()
    {
        var topic = servers.CreateTopic();
        var connectionString = await servers.Postgres.CreateDatabaseAsync("replay");
        var expected = new List<Guid>();
        await using (var strict = await NewOutboxAsync(hold: true, connectionString))
        await using (new RunningRelays(strict, count: 1))
        {
            expected.AddRange(await TestOutbox.EnqueueAsync(strict, [Messages.Numbered(topic, "held", 0, payloadBytes: 2 * ProducerLimit), Messages.Numbered(topic, "held", 1, payloadBytes: 3 * ProducerLimit)]));
            expected.AddRange(await TestOutbox.EnqueueAsync(strict, [Messages.Numbered(topic, "held", 2)]));
            await Eventually.TrueAsync(async () => await TestOutbox.CountAsync(strict, "dead_letters") == 1, because: "the first message to be dead-lettered");
        }

        await using var relaxed = await TestOutbox.CreateAsync(connectionString, servers.Kafka.BootstrapServers, o => o.HoldKeyAfterDeadLetter = true);
        var listed = await relaxed.GetDeadLettersAsync(key: "held");
        var deadLetter = Assert.Single(listed);
        Assert.Equal(expected[0], deadLetter.MessageId);
        Assert.Equal(1, deadLetter.Attempts);
        Assert.Contains("MsgSizeTooLarge", deadLetter.LastError, StringComparison.Ordinal);
        Assert.Empty(await relaxed.GetDeadLettersAsync(key: "other"));
        Assert.Empty(await relaxed.GetDeadLettersAsync(afterId: deadLetter.Id));

        await using var relays = new RunningRelays(relaxed, count: 1);
        Assert.Equal(1, await relaxed.ReplayDeadLettersAsync(key: "held"));

        var read = KafkaReader.ReadAll(servers.Kafka.BootstrapServers, topic, atLeast: 3);
        Assert.Equal(expected, read.Select(m => m.MessageId));
        Assert.Equal(0, await TestOutbox.CountAsync(relaxed, "dead_letters"));
        Assert.Equal(0, await TestOutbox.CountAsync(relaxed, "held_keys"));
    }

    private async Task<Outbox> NewOutboxAsync(bool hold, string? connectionString = null)
        => await TestOutbox.CreateAsync(connectionString ?? await servers.Postgres.CreateDatabaseAsync("dead"), servers.Kafka.BootstrapServers, o =>
        {
            o.Producer.MessageMaxBytes = ProducerLimit;
            o.MaxAttempts = 3;
            o.HoldKeyAfterDeadLetter = hold;
        });
}
