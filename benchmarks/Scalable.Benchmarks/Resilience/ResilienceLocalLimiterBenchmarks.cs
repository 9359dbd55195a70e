using System.Threading.RateLimiting;
using BenchmarkDotNet.Attributes;
using Scalable.Resilience;

namespace Scalable.Benchmarks.Resilience;

/// <summary>
/// Acquire and release one permit of an in-process limiter: the adaptive limiter (which also records a latency sample per
/// release) against System.Threading.RateLimiting's ConcurrencyLimiter (baseline) and TokenBucketRateLimiter.
/// </summary>
[MemoryDiagnoser]
[ShortRunJob]
public class ResilienceLocalLimiterBenchmarks
{
    private ConcurrencyLimiter _concurrency = null!;
    private TokenBucketRateLimiter _tokenBucket = null!;
    private AdaptiveConcurrencyLimiter _adaptive = null!;

    [GlobalSetup]
    public void Setup()
    {
        _concurrency = new ConcurrencyLimiter(new ConcurrencyLimiterOptions { PermitLimit = 1000, QueueLimit = 0 });
        _tokenBucket = new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = 1_000_000,
            TokensPerPeriod = 1_000_000,
            ReplenishmentPeriod = TimeSpan.FromMilliseconds(1),
            QueueLimit = 0,
            AutoReplenishment = true,
        });
        _adaptive = new AdaptiveConcurrencyLimiter(new AdaptiveConcurrencyLimiterOptions { InitialLimit = 1000 });
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _concurrency.Dispose();
        _tokenBucket.Dispose();
        _adaptive.Dispose();
    }

    [Benchmark(Baseline = true, Description = "ConcurrencyLimiter (runtime)")]
    public bool Concurrency() => AcquireRelease(_concurrency);

    [Benchmark(Description = "TokenBucketRateLimiter (runtime)")]
    public bool TokenBucket() => AcquireRelease(_tokenBucket);

    [Benchmark(Description = "AdaptiveConcurrencyLimiter")]
    public bool Adaptive() => AcquireRelease(_adaptive);

    private static bool AcquireRelease(RateLimiter limiter)
    {
        using var lease = limiter.AttemptAcquire();
        return lease.IsAcquired;
    }
}
