using Scalable.TestSupport;

namespace Scalable.Samples.Tests.Compatibility;

// The sample compiles against StackExchange.Redis 1.2.6 like the libraries; a copy of it in an application
// with StackExchange.Redis 2.x must still bind every member it calls.
public sealed class StackExchangeRedisTwoTests()
    : NewerPackageTests(typeof(Program).Assembly, "StackExchange.Redis", "2.13.23", "ConnectionMultiplexer::Connect(");
