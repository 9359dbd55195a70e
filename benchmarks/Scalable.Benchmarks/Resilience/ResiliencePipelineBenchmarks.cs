using System.Threading.RateLimiting;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;
using Polly;
using Polly.Registry;
using Scalable.Resilience;

namespace Scalable.Benchmarks.Resilience;

/// <summary>
/// One successful execution through the standard preset (concurrency limiter, total timeout, retry, circuit breaker,
/// attempt timeout) as built by AddScalableResilience, against the same five strategies put together by hand on a plain
/// Polly builder (baseline), the same five registered with Polly.Extensions' AddResiliencePipeline (its telemetry on, as
/// for every registered pipeline), and one Polly timeout alone for scale.
/// </summary>
[MemoryDiagnoser]
[ShortRunJob]
public class ResiliencePipelineBenchmarks
{
    private ResiliencePipeline _standard = null!;
    private ResiliencePipeline _plain = null!;
    private ResiliencePipeline _timeoutOnly = null!;
    private ResiliencePipeline _pollyRegistered = null!;
    private ResiliencePipeline _presetWithoutRegistry = null!;
    private ServiceProvider _services = null!;
    private ConcurrencyLimiter _plainLimiter = null!;

    [GlobalSetup]
    public void Setup()
    {
        var services = new ServiceCollection();
        _plainLimiter = new ConcurrencyLimiter(new ConcurrencyLimiterOptions { PermitLimit = 1000, QueueLimit = 0 });
        services.AddScalableResilience().AddPipeline("bench");
        services.AddResiliencePipeline("polly", builder => AddPlain(builder));
        _services = services.BuildServiceProvider();
        _standard = _services.GetRequiredService<ResiliencePipelineProvider<string>>().GetPipeline("bench");
        _pollyRegistered = _services.GetRequiredService<ResiliencePipelineProvider<string>>().GetPipeline("polly");
        _plain = AddPlain(new ResiliencePipelineBuilder()).Build();
        _presetWithoutRegistry = new ResiliencePipelineBuilder().AddScalableStandard(new StandardPipelineOptions()).Build();
        _timeoutOnly = new ResiliencePipelineBuilder().AddTimeout(TimeSpan.FromSeconds(10)).Build();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _services.Dispose();
        _plainLimiter.Dispose();
    }

    [Benchmark(Baseline = true, Description = "plain Polly, same 5 strategies")]
    public ValueTask<int> PlainPolly() => _plain.ExecuteAsync(static _ => ValueTask.FromResult(1));

    [Benchmark(Description = "Scalable standard pipeline")]
    public ValueTask<int> Standard() => _standard.ExecuteAsync(static _ => ValueTask.FromResult(1));

    [Benchmark(Description = "standard preset, built without the registry")]
    public ValueTask<int> PresetWithoutRegistry() => _presetWithoutRegistry.ExecuteAsync(static _ => ValueTask.FromResult(1));

    [Benchmark(Description = "same 5 via AddResiliencePipeline (telemetry on)")]
    public ValueTask<int> PollyRegistered() => _pollyRegistered.ExecuteAsync(static _ => ValueTask.FromResult(1));

    [Benchmark(Description = "Polly timeout only")]
    public ValueTask<int> TimeoutOnly() => _timeoutOnly.ExecuteAsync(static _ => ValueTask.FromResult(1));

    private ResiliencePipelineBuilder AddPlain(ResiliencePipelineBuilder builder) => builder
        .AddRateLimiter(_plainLimiter)
        .AddTimeout(TimeSpan.FromSeconds(30))
        .AddRetry(new Polly.Retry.RetryStrategyOptions { MaxRetryAttempts = 3, Delay = TimeSpan.FromSeconds(2), BackoffType = DelayBackoffType.Exponential, UseJitter = true })
        .AddCircuitBreaker(new Polly.CircuitBreaker.CircuitBreakerStrategyOptions())
        .AddTimeout(TimeSpan.FromSeconds(10));
}
