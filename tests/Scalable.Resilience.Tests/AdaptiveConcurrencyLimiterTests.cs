using System.Threading.RateLimiting;

namespace Scalable.Resilience.Tests;

public sealed class AdaptiveConcurrencyLimiterTests
{
    private static readonly TimeSpan BaseLatency = TimeSpan.FromMilliseconds(10);
    private readonly FakeTimeProvider _clock = new();

    [Fact]
    public void Limit_falls_when_the_dependency_slows_down_and_rises_when_it_recovers_while_latency_stays_bounded()
    {
        using var limiter = new AdaptiveConcurrencyLimiter(new AdaptiveConcurrencyLimiterOptions(), _clock);
        var dependency = new FakeDependency(capacity: 20);

        var healthy = Run(limiter, dependency, rounds: 40);
        dependency.Capacity = 5;
        var slow = Run(limiter, dependency, rounds: 60);
        dependency.Capacity = 20;
        var recovered = Run(limiter, dependency, rounds: 40);

        Assert.True(slow.FinalLimit < healthy.FinalLimit, $"limit {healthy.FinalLimit} -> {slow.FinalLimit} when the dependency slowed");
        Assert.True(recovered.FinalLimit > slow.FinalLimit, $"limit {slow.FinalLimit} -> {recovered.FinalLimit} after recovery");

        // 100 requests per round are offered; without shedding a 5-wide dependency would take 100 / 5 = 20x its base latency.
        Assert.True(slow.Shed > 0);
        Assert.True(slow.FinalLatency <= 3 * BaseLatency, $"latency {slow.FinalLatency.TotalMilliseconds} ms with the slow dependency");
        Assert.True(healthy.FinalLatency <= 3 * BaseLatency, $"latency {healthy.FinalLatency.TotalMilliseconds} ms with the healthy dependency");
    }

    [Fact]
    public void A_dependency_that_stays_slower_is_relearned_when_a_reset_interval_is_set()
    {
        using var keepsOldBaseline = new AdaptiveConcurrencyLimiter(new AdaptiveConcurrencyLimiterOptions(), _clock);
        using var relearns = new AdaptiveConcurrencyLimiter(new AdaptiveConcurrencyLimiterOptions { NoLoadLatencyResetInterval = TimeSpan.FromSeconds(5) }, _clock);
        var dependency = new FakeDependency(capacity: 20);
        Run(keepsOldBaseline, dependency, rounds: 40);
        Run(relearns, dependency, rounds: 40);

        dependency.Slowdown = 5; // every call now takes five times as long, at any concurrency
        var stuck = Run(keepsOldBaseline, dependency, rounds: 200);
        var relearned = Run(relearns, dependency, rounds: 200);

        Assert.True(relearned.FinalLimit >= 3 * stuck.FinalLimit, $"limit {relearned.FinalLimit} with relearning vs {stuck.FinalLimit} without");
        Assert.True(relearned.FinalLatency <= 3 * 5 * BaseLatency, $"latency {relearned.FinalLatency.TotalMilliseconds} ms after relearning");
    }

    [Fact]
    public void Critical_requests_keep_the_reserved_share_when_normal_traffic_fills_the_limit()
    {
        using var limiter = new AdaptiveConcurrencyLimiter(new AdaptiveConcurrencyLimiterOptions { InitialLimit = 10, CriticalReservedShare = 0.2 }, _clock);
        var critical = limiter.ForPriority(RequestPriority.Critical);
        var leases = new List<RateLimitLease>();

        while (limiter.AttemptAcquire() is { IsAcquired: true } normal)
        {
            leases.Add(normal);
        }

        Assert.Equal(8, leases.Count);
        leases.Add(critical.AttemptAcquire());
        leases.Add(critical.AttemptAcquire());
        Assert.All(leases, lease => Assert.True(lease.IsAcquired));
        Assert.False(critical.AttemptAcquire().IsAcquired);

        leases.ForEach(lease => lease.Dispose());
        Assert.Equal(0, limiter.InFlight);
    }

    [Fact]
    public void The_partitioned_form_maps_resources_to_priorities()
    {
        using var limiter = new AdaptiveConcurrencyLimiter(new AdaptiveConcurrencyLimiterOptions { InitialLimit = 5, CriticalReservedShare = 0.4 }, _clock);
        using var partitioned = limiter.CreatePartitioned<string>(path => path == "/health" ? RequestPriority.Critical : RequestPriority.Normal);

        Assert.True(partitioned.AttemptAcquire("/orders").IsAcquired);
        Assert.True(partitioned.AttemptAcquire("/orders").IsAcquired);
        Assert.True(partitioned.AttemptAcquire("/orders").IsAcquired);
        Assert.False(partitioned.AttemptAcquire("/orders").IsAcquired);
        Assert.True(partitioned.AttemptAcquire("/health").IsAcquired);
    }

    [Fact]
    public void Dropped_requests_lower_the_limit()
    {
        using var limiter = new AdaptiveConcurrencyLimiter(new AdaptiveConcurrencyLimiterOptions { InitialLimit = 50, SamplesPerUpdate = 1 }, _clock);
        var lease = limiter.AttemptAcquire();
        limiter.ReportDropped(lease);
        lease.Dispose();

        Assert.True(limiter.CurrentLimit < 50);
        Assert.Throws<ArgumentException>(() => limiter.ReportDropped(new ConcurrencyLimiter(new() { PermitLimit = 1, QueueLimit = 0 }).AttemptAcquire()));
    }

    [Fact]
    public void Bad_settings_are_refused_naming_them()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new AdaptiveConcurrencyLimiter(new AdaptiveConcurrencyLimiterOptions { MinLimit = 10, InitialLimit = 5 }));
        Assert.Equal("InitialLimit", error.ParamName);
        error = Assert.Throws<ArgumentOutOfRangeException>(() => new AdaptiveConcurrencyLimiter(new AdaptiveConcurrencyLimiterOptions { CriticalReservedShare = 1 }));
        Assert.Equal("CriticalReservedShare", error.ParamName);
    }

    // Each round offers 100 concurrent requests; the admitted ones take the dependency's latency for that concurrency.
    private RoundResult Run(AdaptiveConcurrencyLimiter limiter, FakeDependency dependency, int rounds)
    {
        var result = default(RoundResult);
        for (var round = 0; round < rounds; round++)
        {
            var admitted = new List<RateLimitLease>();
            var shed = 0;
            for (var i = 0; i < 100; i++)
            {
                var lease = limiter.AttemptAcquire();
                if (lease.IsAcquired)
                {
                    admitted.Add(lease);
                }
                else
                {
                    shed++;
                }
            }

            var latency = dependency.Latency(admitted.Count);
            _clock.Advance(latency);
            admitted.ForEach(lease => lease.Dispose());
            result = new RoundResult(limiter.CurrentLimit, latency, result.Shed + shed);
        }

        return result;
    }

    private readonly record struct RoundResult(int FinalLimit, TimeSpan FinalLatency, int Shed);

    // A dependency that serves `Capacity` requests at its base latency (times `Slowdown`) and queues the rest.
    private sealed class FakeDependency(int capacity)
    {
        public int Capacity { get; set; } = capacity;

        public double Slowdown { get; set; } = 1;

        public TimeSpan Latency(int concurrent) => BaseLatency * Slowdown * Math.Max(1.0, (double)concurrent / Capacity);
    }
}
