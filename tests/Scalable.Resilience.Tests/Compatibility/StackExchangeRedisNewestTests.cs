using Scalable.TestSupport;

namespace Scalable.Resilience.Tests.Compatibility;

// Scalable.Resilience compiles against StackExchange.Redis 2.6.70 (its floor) and its tests run on 2.13.23 and
// 3.4.35, but no test reaches every code path: every type and member it references must exist in the newest version
// users run, 3.4.35, with the same signature.
public sealed class StackExchangeRedisNewestTests()
    : NewerPackageTests(typeof(RedisGcraRateLimiter).Assembly, "StackExchange.Redis", "3.4.35", "::ScriptEvaluateAsync(");
