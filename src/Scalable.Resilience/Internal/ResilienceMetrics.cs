using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Threading.RateLimiting;

namespace Scalable.Resilience.Internal;

// One Meter and one ActivitySource for the package, named like it; OpenTelemetry picks both up by name.
internal static class ResilienceMetrics
{
    public const string Name = "Scalable.Resilience";

    public static readonly Meter Meter = new(Name);
    public static readonly ActivitySource ActivitySource = new(Name);

    // Limiters whose queue length is reported; declared before the gauge that reads it.
    private static readonly ConcurrentDictionary<RateLimiter, string> QueuedLimiters = new();

    private static readonly ObservableGauge<long> Queued = Meter.CreateObservableGauge(
        "scalable.resilience.rate_limiter.queued",
        () => QueuedLimiters.Select(pair => new Measurement<long>(pair.Key.GetStatistics()?.CurrentQueuedCount ?? 0, new KeyValuePair<string, object?>("limiter", pair.Value))),
        "{request}",
        "Requests waiting for a permit of the standard pipelines' local limiters.");

    private static readonly Counter<long> Decisions = Meter.CreateCounter<long>(
        "scalable.resilience.rate_limiter.decisions", "{decision}", "Permit decisions of Scalable rate limiters, by limiter, result and source (redis, fallback).");

    private static readonly Counter<long> BreakerTransitions = Meter.CreateCounter<long>(
        "scalable.resilience.circuit_breaker.transitions", "{transition}", "Circuit-breaker state changes, by breaker and new state.");

    private static readonly UpDownCounter<long> AdaptiveLimit = Meter.CreateUpDownCounter<long>(
        "scalable.resilience.adaptive.limit", "{request}", "Current concurrency limit of adaptive limiters.");

    private static readonly UpDownCounter<long> AdaptiveInFlight = Meter.CreateUpDownCounter<long>(
        "scalable.resilience.adaptive.in_flight", "{request}", "Requests holding a permit of adaptive limiters.");

    public static void ObserveQueue(RateLimiter limiter, string name) => QueuedLimiters[limiter] = name;

    public static void ForgetQueue(RateLimiter limiter) => QueuedLimiters.TryRemove(limiter, out _);

    public static void RecordDecision(string limiter, bool acquired, string source)
    {
        if (Decisions.Enabled)
        {
            Decisions.Add(1, new("limiter", limiter), new("result", acquired ? "acquired" : "rejected"), new("source", source));
        }
    }

    public static void RecordBreakerTransition(string breaker, string state)
        => BreakerTransitions.Add(1, new("breaker", breaker), new("state", state));

    public static void RecordAdaptiveLimitChange(string limiter, long delta)
        => AdaptiveLimit.Add(delta, new KeyValuePair<string, object?>("limiter", limiter));

    public static void RecordAdaptiveInFlight(string limiter, long delta)
    {
        if (AdaptiveInFlight.Enabled)
        {
            AdaptiveInFlight.Add(delta, new KeyValuePair<string, object?>("limiter", limiter));
        }
    }
}
