using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Scalable.Messaging.Tests.Consuming;

// The consuming quick start of src/Scalable.Messaging/README.md, compiled as written; its options pass validation.
public sealed class ReadmeQuickStartTests
{
    [Fact]
    public void The_readme_consumer_registration_compiles_and_its_options_are_valid()
    {
        var services = new ServiceCollection();

        services.AddScalableMessaging()
            .AddKafkaConsumer<InvoiceHandler>("billing", o =>
            {
                o.Consumer.BootstrapServers = "kafka:9092";
                o.Consumer.GroupId = "billing";
                o.Topics = ["orders"];
                o.ConnectionString = "Host=db;Database=billing"; // holds the inbox table and your rows
            });

        using var provider = services.BuildServiceProvider();
        var options = provider.GetRequiredService<IOptionsMonitor<KafkaConsumerOptions>>().Get("billing");
        Assert.Equal("billing", options.Consumer.GroupId);
    }

    public sealed class InvoiceHandler : IKafkaMessageHandler
    {
        public async Task HandleAsync(ConsumedMessage message, NpgsqlTransaction transaction, CancellationToken cancellationToken)
        {
            await using var insert = new NpgsqlCommand("INSERT INTO invoices (message_id) VALUES ($1)", transaction.Connection, transaction);
            insert.Parameters.Add(new() { Value = message.MessageId });
            await insert.ExecuteNonQueryAsync(cancellationToken); // commits with the inbox record, then the offset is stored
        }
    }
}
