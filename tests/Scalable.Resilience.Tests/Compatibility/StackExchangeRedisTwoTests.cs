using Scalable.TestSupport;

namespace Scalable.Resilience.Tests.Compatibility;

// Scalable.Resilience compiles against StackExchange.Redis 1.2.6, but applications bring 2.x: every type and
// member it references must exist in 2.x with the same signature.
public sealed class StackExchangeRedisTwoTests()
    : NewerPackageTests(typeof(RedisGcraRateLimiter).Assembly, "StackExchange.Redis", "2.13.23", "::ScriptEvaluateAsync(");
