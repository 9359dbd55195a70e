using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Threading.RateLimiting;

namespace Scalable.Resilience.Internal;

// The package's instruments, on a Meter named like the package from the container's IMeterFactory (so MetricCollector and
// the host's meter configuration see them), or on a Meter of its own outside a container, disposed with its owner.
// The ActivitySource has no factory; it stays one per process.
internal sealed class ResilienceMetrics : IDisposable
{
    public const string Name = "Scalable.Resilience";

    public static readonly ActivitySource ActivitySource = new(Name);

    private readonly Meter _meter;
    private readonly bool _ownsMeter;

    // Limiters whose queue length is reported.
    private readonly ConcurrentDictionary<RateLimiter, string> _queuedLimiters = new();
    private readonly Counter<long> _decisions;
    private readonly Counter<long> _breakerTransitions;
    private readonly UpDownCounter<long> _adaptiveLimit;
    private readonly UpDownCounter<long> _adaptiveInFlight;

    public ResilienceMetrics(IMeterFactory? factory)
    {
        _ownsMeter = factory is null;
        _meter = factory?.Create(Name) ?? new Meter(Name);
        _meter.CreateObservableGauge(
            "scalable.resilience.rate_limiter.queued",
            () => _queuedLimiters.Select(pair => new Measurement<long>(pair.Key.GetStatistics()?.CurrentQueuedCount ?? 0, new KeyValuePair<string, object?>("limiter", pair.Value))),
            "{request}",
            "Requests waiting for a permit of the standard pipelines' local limiters.");
        _decisions = _meter.CreateCounter<long>(
            "scalable.resilience.rate_limiter.decisions", "{decision}", "Permit decisions of Scalable rate limiters, by limiter, result and source (redis, fallback).");
        _breakerTransitions = _meter.CreateCounter<long>(
            "scalable.resilience.circuit_breaker.transitions", "{transition}", "Circuit-breaker state changes, by breaker and new state.");
        _adaptiveLimit = _meter.CreateUpDownCounter<long>(
            "scalable.resilience.adaptive.limit", "{request}", "Current concurrency limit of adaptive limiters.");
        _adaptiveInFlight = _meter.CreateUpDownCounter<long>(
            "scalable.resilience.adaptive.in_flight", "{request}", "Requests holding a permit of adaptive limiters.");
    }

    public void ObserveQueue(RateLimiter limiter, string name) => _queuedLimiters[limiter] = name;

    public void ForgetQueue(RateLimiter limiter) => _queuedLimiters.TryRemove(limiter, out _);

    public void RecordDecision(string limiter, bool acquired, string source)
    {
        if (_decisions.Enabled)
        {
            _decisions.Add(1, new("limiter", limiter), new("result", acquired ? "acquired" : "rejected"), new("source", source));
        }
    }

    public void RecordBreakerTransition(string breaker, string state)
        => _breakerTransitions.Add(1, new("breaker", breaker), new("state", state));

    public void RecordAdaptiveLimitChange(string limiter, long delta)
        => _adaptiveLimit.Add(delta, new KeyValuePair<string, object?>("limiter", limiter));

    public void RecordAdaptiveInFlight(string limiter, long delta)
    {
        if (_adaptiveInFlight.Enabled)
        {
            _adaptiveInFlight.Add(delta, new KeyValuePair<string, object?>("limiter", limiter));
        }
    }

    // A meter from the factory belongs to the factory, which disposes it with the container.
    public void Dispose()
    {
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }
}
