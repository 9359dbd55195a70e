using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Polly;
using Polly.Registry;

namespace Scalable.Resilience.Tests;

public sealed class MetricsTests : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentBag<(string Instrument, long Value, Dictionary<string, object?> Tags)> _measurements = [];

    public MetricsTests()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name is "Scalable.Resilience" or "Polly")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
            _measurements.Add((instrument.Name, value, tags.ToArray().ToDictionary(t => t.Key, t => t.Value))));
        _listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) =>
            _measurements.Add((instrument.Name, value, tags.ToArray().ToDictionary(t => t.Key, t => t.Value))));
        _listener.Start();
    }

    public void Dispose() => _listener.Dispose();

    [Fact]
    public void Adaptive_limiter_reports_decisions_and_its_current_limit()
    {
        var name = $"adaptive-{Guid.NewGuid():N}";
        using var limiter = new AdaptiveConcurrencyLimiter(new AdaptiveConcurrencyLimiterOptions { Name = name, InitialLimit = 2, CriticalReservedShare = 0 }, new FakeTimeProvider());

        using var first = limiter.AttemptAcquire();
        using var second = limiter.AttemptAcquire();
        using var third = limiter.AttemptAcquire();

        var decisions = Of("scalable.resilience.rate_limiter.decisions", name);
        Assert.Equal(2, decisions.Count(m => (string?)m.Tags["result"] == "acquired"));
        Assert.Equal(1, decisions.Count(m => (string?)m.Tags["result"] == "rejected"));
        Assert.Equal(2, Of("scalable.resilience.adaptive.limit", name).Sum(m => m.Value));

        limiter.Dispose();
        Assert.Equal(0, Of("scalable.resilience.adaptive.limit", name).Sum(m => m.Value));
    }

    [Fact]
    public void A_registered_limiter_reports_through_the_containers_meter_factory()
    {
        var services = new ServiceCollection().AddMetrics();
        services.AddScalableResilience().AddAdaptiveConcurrencyLimiter("scoped", o => o.InitialLimit = 2);
        using var provider = services.BuildServiceProvider();
        var factory = provider.GetRequiredService<IMeterFactory>();
        var decisions = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, meterListener) =>
        {
            if (instrument.Meter.Name == "Scalable.Resilience" && ReferenceEquals(instrument.Meter.Scope, factory))
            {
                meterListener.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, _, _, _) =>
        {
            if (instrument.Name == "scalable.resilience.rate_limiter.decisions")
            {
                Interlocked.Increment(ref decisions);
            }
        });
        listener.Start();

        using var lease = provider.GetRequiredKeyedService<System.Threading.RateLimiting.RateLimiter>("scoped").AttemptAcquire();

        Assert.True(lease.IsAcquired);
        Assert.Equal(1, decisions);
    }

    [Fact]
    public async Task Standard_pipeline_reports_breaker_changes_and_queue_length_and_Polly_reports_its_retries()
    {
        var name = $"pipeline-{Guid.NewGuid():N}";
        var clock = new FakeTimeProvider();
        var services = new ServiceCollection().AddSingleton<TimeProvider>(clock);
        services.AddScalableResilience().AddPipeline(name, p =>
        {
            p.RateLimiter.PermitLimit = 1;
            p.RateLimiter.QueueLimit = 1;
            p.Retry.MaxRetryAttempts = 1;
            p.Retry.BaseDelay = TimeSpan.Zero;
            p.CircuitBreaker.MinimumThroughput = 2;
            p.CircuitBreaker.FailureRatio = 0.5;
        });
        await using var provider = services.BuildServiceProvider();
        var pipeline = provider.GetRequiredService<ResiliencePipelineProvider<string>>().GetPipeline(name);

        await Assert.ThrowsAsync<InvalidOperationException>(async () => await pipeline.ExecuteAsync<int>(_ => throw new InvalidOperationException()));
        // Retries and rejections are Polly's own telemetry (Polly.Extensions turns it on for registered pipelines); we do not count them again.
        Assert.Single(Of("resilience.polly.strategy.events", name, "pipeline.name"), m => (string?)m.Tags["event.name"] == "OnRetry");
        Assert.Contains(Of("scalable.resilience.circuit_breaker.transitions", name, "breaker"), m => (string?)m.Tags["state"] == "open");

        var release = new TaskCompletionSource();
        clock.Advance(TimeSpan.FromMinutes(1));
        var holder = pipeline.ExecuteAsync(async _ => await release.Task).AsTask();
        var waiting = pipeline.ExecuteAsync(_ => ValueTask.CompletedTask).AsTask();
        _listener.RecordObservableInstruments();
        Assert.Contains(Of("scalable.resilience.rate_limiter.queued", name), m => m.Value == 1);
        release.SetResult();
        await Task.WhenAll(holder, waiting);
    }

    private List<(string Instrument, long Value, Dictionary<string, object?> Tags)> Of(string instrument, string name, string tag = "limiter")
        => _measurements.Where(m => m.Instrument == instrument && m.Tags.TryGetValue(tag, out var value) && (string?)value == name).ToList();
}
