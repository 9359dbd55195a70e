using Confluent.Kafka;

namespace Scalable.Messaging.Internal;

// The caller's producer settings plus what the outbox guarantees depend on: idempotence, acks from all replicas, no gaps per partition.
internal static class ProducerSettings
{
    public static ProducerConfig For(ProducerConfig configured)
    {
        var settings = new ProducerConfig(configured.ToDictionary(setting => setting.Key, setting => setting.Value))
        {
            EnableIdempotence = true,
            Acks = Acks.All,
            EnableGaplessGuarantee = true,
            EnableDeliveryReports = true,
        };
        settings.ClientId ??= "scalable-outbox-relay";

        // Order is kept at any value up to 5 (idempotence). One request in flight per broker avoids a ~40 ms delayed-ACK stall
        // seen against librdkafka's mock broker and costs little, as the relay awaits each batch's acks before the next one.
        settings.MaxInFlight ??= 1;
        return settings;
    }
}
