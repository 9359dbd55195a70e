using Scalable.TestSupport;

namespace Scalable.Samples.Tests.Compatibility;

// The sample compiles against Confluent.Kafka 2.15.1 like the libraries; a copy of it in an application with the
// newest Confluent.Kafka, 2.16.0, must still bind every member it calls, on paths the tests do not reach too.
public sealed class ConfluentKafkaNewestTests()
    : NewerPackageTests(typeof(Program).Assembly, "Confluent.Kafka", "2.16.0", "M Confluent.Kafka.AdminClientBuilder::.ctor(");
