using Scalable.TestSupport;

namespace Scalable.Messaging.Tests.Compatibility;

// Scalable.Messaging compiles against Confluent.Kafka 1.9.3, but applications bring 2.x: every type and
// member it references (most through generic types such as IProducer<TKey, TValue>) must exist in 2.x.
public sealed class ConfluentKafkaTwoTests()
    : NewerPackageTests(typeof(Outbox).Assembly, "Confluent.Kafka", "2.15.1", "M Confluent.Kafka.IProducer`2::Produce(");
