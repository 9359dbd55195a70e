using Scalable.TestSupport;

namespace Scalable.Messaging.Tests.Compatibility;

// Scalable.Messaging compiles against Confluent.Kafka 2.15.1 (its floor) and its tests run on 2.16.0, but no test
// reaches every code path: every type and member it references (most through generic types such as
// IProducer<TKey, TValue>) must exist in the newest version users run, 2.16.0, with the same signature.
public sealed class ConfluentKafkaNewestTests()
    : NewerPackageTests(typeof(Outbox).Assembly, "Confluent.Kafka", "2.16.0", "M Confluent.Kafka.IProducer`2::Produce(");
