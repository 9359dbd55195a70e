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

        // MaxInFlight stays librdkafka's default (5) unless the caller sets it: idempotence keeps per-partition order at any
        // value up to 5. It used to be 1, to avoid a ~40 ms stall per batch against librdkafka 2.0.2's mock broker; that stall
        // is gone on 2.16, where 1 and 5 measured the same (docs/performance.md, Messaging).
        return settings;
    }
}
