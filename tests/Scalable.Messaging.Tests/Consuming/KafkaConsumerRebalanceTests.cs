using Scalable.Messaging.Tests.Support;
using Scalable.TestSupport;

namespace Scalable.Messaging.Tests.Consuming;

// Consumers join, stop, restart and die mid-stream while the handler fails on chosen messages: every message ends up handled
// exactly once in the database, none skipped, and per partition in offset order.
public sealed class KafkaConsumerRebalanceTests(MessagingFixture servers) : IClassFixture<MessagingFixture>
{
    [Fact]
    public async Task A_second_consumer_joining_and_a_consumer_restarting_mid_stream_leave_every_message_handled_once_in_order()
    {
        await using var testbed = await ConsumerTestbed.CreateAsync(servers, partitions: 4);
        testbed.Script.DelayPerMessage = TimeSpan.FromMilliseconds(15);
        foreach (var number in new[] { 5, 60, 150, 260, 330 })
        {
            testbed.Script.FailTimes(number, 2);
        }

        await testbed.ProduceAsync(0, 300);
        var first = await testbed.StartAsync();
        await testbed.WaitForEffectsAsync(50);

        await testbed.StartAsync(); // joins the group: the partitions are split between the two
        await testbed.WaitForEffectsAsync(130);

        await first.StopAsync(); // leaves: the second consumer takes every partition from the committed offsets
        await testbed.WaitForEffectsAsync(200);

        await testbed.StartAsync(); // the first consumer comes back as a new member
        await testbed.ProduceAsync(300, 100);
        await testbed.WaitForEffectsAsync(400);

        var effects = await testbed.EffectsAsync();
        Assert.Equal(400, effects.Count);
        Assert.Equal(Enumerable.Range(0, 400), effects.Select(e => e.Number).Order());
        foreach (var partition in effects.GroupBy(e => e.Partition))
        {
            Assert.Equal(partition.Select(e => e.Offset).Order(), partition.Select(e => e.Offset));
        }

        Assert.All(new[] { 5, 60, 150, 260, 330 }, n => Assert.Equal(2, testbed.Script.Failures[n]));
    }

    [Fact]
    public async Task Messages_a_dead_consumer_handled_but_never_committed_are_skipped_by_the_inbox_when_another_consumer_reads_them_again()
    {
        await using var testbed = await ConsumerTestbed.CreateAsync(servers, partitions: 1);
        testbed.Script.HoldNumber = 20;
        await testbed.ProduceAsync(0, 40);

        // The first consumer never commits offsets on its own, handles 0..19, then hangs inside the handler of 20.
        var frozen = await testbed.StartFrozenAsync();
        Assert.Equal(20, (await testbed.EffectsAsync()).Count);

        // The second consumer starts from the beginning (nothing was committed) and meets the 20 handled messages again.
        await testbed.StartAsync();
        await testbed.EventuallyAsync(() => testbed.Logged(ConsumerEvent.Duplicate) >= 20, "the second consumer to read the handled messages again");
        await testbed.ReleaseFrozenAsync(frozen); // message 20 is still to do

        await testbed.WaitForEffectsAsync(40);
        var effects = await testbed.EffectsAsync();
        Assert.Equal(Enumerable.Range(0, 40), effects.Select(e => e.Number));
        Assert.All(Enumerable.Range(0, 20), n => Assert.Equal(1, testbed.Script.Runs[n]));
        await testbed.EventuallyAsync(() => testbed.CommittedOffsets(1)[0] == 40, "the group to commit every message");
    }
}
