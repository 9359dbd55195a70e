namespace Scalable.Caching.Tests.Compatibility;

// Scalable.Caching compiles against StackExchange.Redis 1.2.6 (the only version that runs here), but
// applications bring 2.x: every type and member it references must exist in 2.x with the same signature.
public sealed class StackExchangeRedisTwoTests()
    : NewerPackageTests(typeof(IScalableCache).Assembly, "StackExchange.Redis", "2.13.23", "::StringSetAsync(");
