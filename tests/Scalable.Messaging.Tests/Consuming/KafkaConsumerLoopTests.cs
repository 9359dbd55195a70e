using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Scalable.Messaging.Tests.Support;
using Scalable.TestSupport;

namespace Scalable.Messaging.Tests.Consuming;

// The loop a user registers with AddKafkaConsumer: a handler failure rolls the message back and reads it again from its own
// offset (nothing behind it is skipped or stored first); the meters from IMeterFactory count what happened.
public sealed class KafkaConsumerLoopTests(MessagingFixture servers) : IClassFixture<MessagingFixture>
{
    [Fact]
    public async Task A_failing_handler_is_retried_from_the_failed_offset_and_every_message_is_handled_once_in_order()
    {
        await using var testbed = await ConsumerTestbed.CreateAsync(servers, partitions: 1);
        testbed.Script.FailTimes(10, 2);
        testbed.Script.FailTimes(30, 4);
        await testbed.ProduceAsync(0, 60);

        var host = testbed.Build();
        var meters = host.Services.GetRequiredService<IMeterFactory>();
        using var handled = new MetricCollector<long>(meters, "Scalable.Messaging", "scalable.messaging.consumer.handled");
        using var retried = new MetricCollector<long>(meters, "Scalable.Messaging", "scalable.messaging.consumer.retried");
        await host.StartAsync();

        await testbed.WaitForEffectsAsync(60);
        var effects = await testbed.EffectsAsync();
        Assert.Equal(Enumerable.Range(0, 60), effects.Select(e => e.Number));
        Assert.Equal(effects.Select(e => e.Offset).Order(), effects.Select(e => e.Offset));
        Assert.Equal(2, testbed.Script.Failures[10]);
        Assert.Equal(4, testbed.Script.Failures[30]);
        Assert.Equal(3, testbed.Script.Runs[10]);
        Assert.Equal(5, testbed.Script.Runs[30]);
        await testbed.EventuallyAsync(() => testbed.CommittedOffsets(1)[0] == 60, "the group to commit past the last message");
        Assert.Equal(60, handled.GetMeasurementSnapshot().EvaluateAsCounter());
        Assert.Equal(6, retried.GetMeasurementSnapshot().EvaluateAsCounter());
        Assert.All(handled.GetMeasurementSnapshot(), m => Assert.Equal("effects", m.Tags["scalable.consumer.name"]));
    }
}
