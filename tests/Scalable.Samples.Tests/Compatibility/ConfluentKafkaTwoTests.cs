using Scalable.TestSupport;

namespace Scalable.Samples.Tests.Compatibility;

// The sample compiles against Confluent.Kafka 1.9.3 like the libraries; a copy of it in an application
// with Confluent.Kafka 2.x must still bind every member it calls.
public sealed class ConfluentKafkaTwoTests()
    : NewerPackageTests(typeof(Program).Assembly, "Confluent.Kafka", "2.15.1", "M Confluent.Kafka.ConsumerBuilder`2::.ctor(");
