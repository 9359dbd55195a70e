using Confluent.Kafka;
using Scalable.Messaging.Internal;

namespace Scalable.Messaging.Tests;

public sealed class ProducerSettingsTests
{
    [Fact]
    public void The_relay_producer_keeps_one_request_in_flight_and_the_outbox_guarantees_by_default()
    {
        var settings = ProducerSettings.For(new ProducerConfig { BootstrapServers = "kafka:9092" });

        Assert.Equal(1, settings.MaxInFlight);
        Assert.True(settings.EnableIdempotence);
        Assert.Equal(Acks.All, settings.Acks);
        Assert.True(settings.EnableGaplessGuarantee);
        Assert.Equal("kafka:9092", settings.BootstrapServers);
        Assert.Equal("scalable-outbox-relay", settings.ClientId);
    }

    [Fact]
    public void A_max_in_flight_set_by_the_user_is_kept()
    {
        var configured = new ProducerConfig { BootstrapServers = "kafka:9092", MaxInFlight = 5, ClientId = "orders" };

        var settings = ProducerSettings.For(configured);

        Assert.Equal(5, settings.MaxInFlight);
        Assert.Equal("orders", settings.ClientId);
        Assert.Null(configured.EnableIdempotence); // the caller's config is copied, not changed
    }
}
