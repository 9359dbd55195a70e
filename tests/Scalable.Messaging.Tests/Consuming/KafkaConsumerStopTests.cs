using Scalable.Messaging.Tests.Support;
using Scalable.TestSupport;

namespace Scalable.Messaging.Tests.Consuming;

// IHost.StopAsync: the consumer finishes the message in hand, commits what it handled and leaves its group; a consumer that cannot
// finish within the shutdown timeout rolls its message back, so the message is handled later, once.
public sealed class KafkaConsumerStopTests(MessagingFixture servers) : IClassFixture<MessagingFixture>
{
    [Fact]
    public async Task A_graceful_stop_commits_exactly_what_was_handled_and_the_next_consumer_goes_on_without_duplicates()
    {
        await using var testbed = await ConsumerTestbed.CreateAsync(servers, partitions: 1);
        testbed.Script.DelayPerMessage = TimeSpan.FromMilliseconds(20);
        await testbed.ProduceAsync(0, 150);
        var host = await testbed.StartAsync();
        await testbed.WaitForEffectsAsync(30);

        await host.StopAsync();

        var handled = (await testbed.EffectsAsync()).Count;
        Assert.True(handled < 150, "the stop should land mid-stream");
        Assert.Equal(handled, testbed.CommittedOffsets(1)[0]);
        Assert.Contains(testbed.Logs.GetSnapshot(), r => r.Id.Id == ConsumerEvent.Stopped);

        await testbed.StartAsync();
        await testbed.WaitForEffectsAsync(150);
        Assert.Equal(Enumerable.Range(0, 150), (await testbed.EffectsAsync()).Select(e => e.Number));
        Assert.DoesNotContain(testbed.Logs.GetSnapshot(), r => r.Id.Id == ConsumerEvent.Duplicate);
    }

    [Fact]
    public async Task A_handler_still_running_when_the_shutdown_timeout_ends_is_cancelled_and_its_message_is_handled_later()
    {
        await using var testbed = await ConsumerTestbed.CreateAsync(servers, partitions: 1);
        testbed.Script.HoldNumber = 5;
        await testbed.ProduceAsync(0, 10);
        var host = await testbed.StartAsync(shutdownTimeout: TimeSpan.FromSeconds(2));
        await testbed.WaitUntilHeldAsync();

        await host.StopAsync();

        Assert.Contains(testbed.Logs.GetSnapshot(), r => r.Id.Id == ConsumerEvent.StopTimedOut);
        Assert.Equal(5, (await testbed.EffectsAsync()).Count);
        Assert.Equal(5, testbed.CommittedOffsets(1)[0]);

        testbed.Script.HoldNumber = null;
        await testbed.StartAsync();
        await testbed.WaitForEffectsAsync(10);
        Assert.Equal(Enumerable.Range(0, 10), (await testbed.EffectsAsync()).Select(e => e.Number));
    }

    // app.Run() stops the host itself once ApplicationStopping fires, and disposes it as soon as that stop returns. When
    // something else had stopped the host first (a test server, an orchestrator calling IHost.StopAsync), the consumer's
    // state is disposed under that first stop, which must still end cleanly.
    [Fact]
    public async Task A_stop_still_waiting_when_the_host_is_disposed_ends_without_an_exception()
    {
        await using var testbed = await ConsumerTestbed.CreateAsync(servers, partitions: 1);
        testbed.Script.HoldNumber = 2;
        testbed.Script.HoldIgnoresCancellation = true;
        await testbed.ProduceAsync(0, 5);
        var host = await testbed.StartAsync(shutdownTimeout: TimeSpan.FromSeconds(1));
        await testbed.WaitUntilHeldAsync();

        var stop = host.StopAsync();
        host.Dispose();
        await testbed.EventuallyAsync(() => testbed.Logged(ConsumerEvent.StopTimedOut) > 0, "the stop to reach its timeout");
        testbed.Script.ReleaseAll();

        await stop; // threw ObjectDisposedException: the timed-out stop cancelled the handler through a disposed source
        Assert.Equal(2, (await testbed.EffectsAsync()).Count);
    }
}
