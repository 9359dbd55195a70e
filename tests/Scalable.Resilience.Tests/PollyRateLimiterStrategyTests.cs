using System.Threading.RateLimiting;
using Polly;
using Polly.Telemetry;
using Polly.Testing;

namespace Scalable.Resilience.Tests;

// Our limiters are plain RateLimiters: they plug into Polly.RateLimiting's strategy, which owns rejection and telemetry.
public sealed class PollyRateLimiterStrategyTests
{
    [Fact]
    public async Task An_adaptive_limiter_guards_a_Polly_pipeline_and_gets_its_permit_back_when_the_execution_ends()
    {
        using var limiter = new AdaptiveConcurrencyLimiter(new AdaptiveConcurrencyLimiterOptions { Name = $"a-{Guid.NewGuid():N}", InitialLimit = 2, MinLimit = 1, CriticalReservedShare = 0.5 }, new FakeTimeProvider());
        var pipeline = new ResiliencePipelineBuilder<int>().AddRateLimiter(limiter).Build();
        var release = new TaskCompletionSource();

        var holder = pipeline.ExecuteAsync(async _ => { await release.Task; return 1; }).AsTask();
        await Assert.ThrowsAsync<RateLimiterRejectedException>(async () => await pipeline.ExecuteAsync(_ => ValueTask.FromResult(2)));
        release.SetResult();
        Assert.Equal(1, await holder);

        Assert.Equal(3, await pipeline.ExecuteAsync(_ => ValueTask.FromResult(3)));
        Assert.IsType<Polly.RateLimiting.RateLimiterStrategyOptions>(Assert.Single(pipeline.GetPipelineDescriptor().Strategies).Options);
    }

    [Fact]
    public async Task Rejections_are_reported_once_to_Polly_telemetry_with_their_source()
    {
        using var limiter = new AdaptiveConcurrencyLimiter(new AdaptiveConcurrencyLimiterOptions { Name = $"a-{Guid.NewGuid():N}", InitialLimit = 1, MinLimit = 1, CriticalReservedShare = 0 }, new FakeTimeProvider());
        using var held = limiter.AttemptAcquire();
        var listener = new RecordingListener();
        var pipeline = new ResiliencePipelineBuilder { Name = "api", TelemetryListener = listener }.AddRateLimiter(limiter).Build();

        var rejected = await Assert.ThrowsAsync<RateLimiterRejectedException>(async () => await pipeline.ExecuteAsync(_ => ValueTask.CompletedTask));

        Assert.Single(listener.Events, e => e == "OnRateLimiterRejected");
        Assert.Equal("api", rejected.TelemetrySource?.PipelineName);
    }

    private sealed class RecordingListener : TelemetryListener
    {
        public List<string> Events { get; } = [];

        public override void Write<TResult, TArgs>(in TelemetryEventArguments<TResult, TArgs> args) => Events.Add(args.Event.EventName);
    }
}
