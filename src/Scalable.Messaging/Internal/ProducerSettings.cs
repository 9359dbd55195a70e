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
        return settings;
    }
}
