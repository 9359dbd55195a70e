using Scalable.TestSupport;

namespace Scalable.Samples.Tests.Compatibility;

// The sample compiles against StackExchange.Redis 2.6.70 like the libraries; a copy of it in an application with
// the newest StackExchange.Redis, 3.4.35, must still bind every member it calls, on paths the tests do not reach too.
public sealed class StackExchangeRedisNewestTests()
    : NewerPackageTests(typeof(Program).Assembly, "StackExchange.Redis", "3.4.35", "ConnectionMultiplexer::Connect(");
