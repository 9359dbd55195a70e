using System.Text;
using Scalable.Messaging.Tests.Support;
using Scalable.TestSupport;

namespace Scalable.Messaging.Tests.Consuming;

// A message the handler fails on MaxAttempts times is dead-lettered (to a table in the inbox transaction, or to a topic) and the
// loop moves on to the next offset; a consumer that reads it again does not try it again.
public sealed class KafkaConsumerDeadLetterTests(MessagingFixture servers) : IClassFixture<MessagingFixture>
{
    [Fact]
    public async Task A_poison_message_goes_to_the_dead_letter_table_after_max_attempts_and_is_not_tried_again_when_read_again()
    {
        await using var testbed = await ConsumerTestbed.CreateAsync(servers, partitions: 1);
        testbed.Script.FailTimes(7, int.MaxValue);
        testbed.Script.HoldNumber = 12;
        var ids = await testbed.ProduceAsync(0, 20);

        // This consumer never commits on its own and hangs at message 12, so the one after it reads everything again.
        var frozen = await testbed.StartFrozenAsync(o => o.MaxAttempts = 3);

        Assert.Equal(Enumerable.Range(0, 12).Where(n => n != 7), (await testbed.EffectsAsync()).Select(e => e.Number));
        Assert.Equal(3, testbed.Script.Runs[7]);
        await using (var command = testbed.Database.CreateCommand("""SELECT message_id, topic, partition, "offset", attempts, error, value FROM scalable.consumer_dead_letters"""))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            Assert.True(await reader.ReadAsync());
            Assert.Equal(ids[7], reader.GetGuid(0));
            Assert.Equal(testbed.Topic, reader.GetString(1));
            Assert.Equal(0, reader.GetInt32(2));
            Assert.Equal(7, reader.GetInt64(3));
            Assert.Equal(3, reader.GetInt32(4));
            Assert.Contains("the handler fails on message 7", reader.GetString(5));
            Assert.Equal("7", Encoding.UTF8.GetString(reader.GetFieldValue<byte[]>(6)));
            Assert.False(await reader.ReadAsync());
        }

        await testbed.StartAsync(o => o.MaxAttempts = 3);
        await testbed.EventuallyAsync(() => testbed.Logged(ConsumerEvent.Duplicate) >= 12, "the second consumer to read messages 0..11 again");
        await testbed.ReleaseFrozenAsync(frozen);

        await testbed.WaitForEffectsAsync(19);
        Assert.Equal(Enumerable.Range(0, 20).Where(n => n != 7), (await testbed.EffectsAsync()).Select(e => e.Number));
        Assert.Equal(3, testbed.Script.Runs[7]);
        Assert.Equal(1, await testbed.CountAsync("SELECT count(*) FROM scalable.consumer_dead_letters"));
        await testbed.EventuallyAsync(() => testbed.CommittedOffsets(1)[0] == 20, "the group to commit every message");
    }

    [Fact]
    public async Task A_poison_message_goes_to_the_dead_letter_topic_with_its_error_and_source()
    {
        await using var testbed = await ConsumerTestbed.CreateAsync(servers, partitions: 2);
        var deadLetterTopic = servers.CreateTopic(partitions: 1);
        testbed.Script.FailTimes(3, int.MaxValue);
        var ids = await testbed.ProduceAsync(0, 10);

        await testbed.StartAsync(o =>
        {
            o.MaxAttempts = 2;
            o.DeadLetterTarget = ConsumerDeadLetterTarget.Topic;
            o.DeadLetterTopic = deadLetterTopic;
        });

        await testbed.WaitForEffectsAsync(9);
        var dead = Assert.Single(KafkaReader.ReadAll(servers.Kafka.BootstrapServers, deadLetterTopic, atLeast: 1));
        Assert.Equal(ids[3], dead.MessageId);
        Assert.Equal("3", Encoding.UTF8.GetString(dead.Value));
        Assert.Equal("key-3", dead.Key);
        Assert.True(dead.Headers.TryGetLastBytes("scalable-dead-letter-error", out var error));
        Assert.Contains("the handler fails on message 3", Encoding.UTF8.GetString(error));
        Assert.True(dead.Headers.TryGetLastBytes("scalable-dead-letter-attempts", out var attempts));
        Assert.Equal("2", Encoding.UTF8.GetString(attempts));
        Assert.Equal(2, testbed.Script.Runs[3]);
        Assert.DoesNotContain(await testbed.EffectsAsync(), e => e.Number == 3);
    }
}
