using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Scalable.Messaging.Tests.Consuming;

// AddKafkaConsumer: bad options fail the host at start with messages that name the setting; a name is registered once.
public sealed class KafkaConsumerRegistrationTests
{
    [Fact]
    public async Task Missing_group_topics_and_database_fail_the_host_at_start_naming_each_setting()
    {
        using var host = Build(o => o.Consumer.BootstrapServers = "127.0.0.1:9");

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("KafkaConsumerOptions['audit'].Consumer.GroupId must be set", error.Message);
        Assert.Contains("KafkaConsumerOptions['audit'].Topics must name at least one topic", error.Message);
        Assert.Contains("ConnectionString, DataSource or ConnectionFactory must be set", error.Message);
    }

    [Fact]
    public async Task Bad_retry_and_dead_letter_settings_fail_the_host_at_start()
    {
        using var host = Build(o =>
        {
            Valid(o);
            o.MaxAttempts = 0;
            o.MaxRetryDelay = TimeSpan.FromMilliseconds(1);
            o.Consumer.EnableAutoOffsetStore = true;
            o.DeadLetterTarget = ConsumerDeadLetterTarget.Topic;
        });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("MaxAttempts must be at least 1", error.Message);
        Assert.Contains("MaxRetryDelay must be at least InitialRetryDelay", error.Message);
        Assert.Contains("Consumer.EnableAutoOffsetStore must stay false", error.Message);
        Assert.Contains("DeadLetterTopic must be set when DeadLetterTarget is Topic", error.Message);
    }

    [Fact]
    public void A_consumer_name_can_be_registered_only_once()
    {
        var messaging = new ServiceCollection().AddScalableMessaging();
        messaging.AddKafkaConsumer<NoopHandler>("audit", Valid);

        var error = Assert.Throws<InvalidOperationException>(() => messaging.AddKafkaConsumer<NoopHandler>("audit", Valid));

        Assert.Contains("'audit'", error.Message);
    }

    private static void Valid(KafkaConsumerOptions options)
    {
        options.Consumer.BootstrapServers = "127.0.0.1:9";
        options.Consumer.GroupId = "audit";
        options.Topics = ["users"];
        options.ConnectionString = "Host=127.0.0.1;Port=9;Database=none";
    }

    private static IHost Build(Action<KafkaConsumerOptions> configure)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddScalableMessaging().AddKafkaConsumer<NoopHandler>("audit", configure);
        return builder.Build();
    }

    private sealed class NoopHandler : IKafkaMessageHandler
    {
        public Task HandleAsync(ConsumedMessage message, NpgsqlTransaction transaction, CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
