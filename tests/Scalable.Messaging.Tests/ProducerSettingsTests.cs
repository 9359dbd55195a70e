using Confluent.Kafka;
using Scalable.Messaging.Internal;

namespace Scalable.Messaging.Tests;

public sealed class ProducerSettingsTests
{
    [Fact]
    public void The_relay_producer_has_the_outbox_guarantees_and_librdkafkas_default_requests_in_flight()
    {
        var settings = ProducerSettings.For(new ProducerConfig { BootstrapServers = "kafka:9092" });

        Assert.Null(settings.MaxInFlight); // librdkafka's default (5); idempotence keeps per-partition order at it
        Assert.True(settings.EnableIdempotence);
        Assert.Equal(Acks.All, settings.Acks);
        Assert.True(settings.EnableGaplessGuarantee);
        Assert.Equal("kafka:9092", settings.BootstrapServers);
        Assert.Equal("scalable-outbox-relay", settings.ClientId);
    }

    [Fact]
    public void A_max_in_flight_set_by_the_user_is_kept()
    {
        var configured = new ProducerConfig { BootstrapServers = "kafka:9092", MaxInFlight = 1, ClientId = "orders" };

        var settings = ProducerSettings.For(configured);

        Assert.Equal(1, settings.MaxInFlight);
        Assert.Equal("orders", settings.ClientId);
        Assert.Null(configured.EnableIdempotence); // the caller's config is copied, not changed
    }
}
