using System.Threading.RateLimiting;
using Polly;
using Polly.Telemetry;

namespace Scalable.Resilience.Tests;

public sealed class RateLimitStrategyTests
{
    [Fact]
    public async Task Executions_beyond_the_limit_are_rejected_with_retry_after_and_never_run()
    {
        using var limiter = new FixedWindowRateLimiter(new FixedWindowRateLimiterOptions { PermitLimit = 2, Window = TimeSpan.FromMinutes(1), QueueLimit = 0, AutoReplenishment = false });
        var pipeline = new ResiliencePipelineBuilder().AddScalableRateLimiter(limiter).Build();
        var runs = 0;

        await pipeline.ExecuteAsync(_ => { runs++; return ValueTask.CompletedTask; });
        await pipeline.ExecuteAsync(_ => { runs++; return ValueTask.CompletedTask; });
        var rejected = await Assert.ThrowsAsync<RateLimitRejectedException>(
            async () => await pipeline.ExecuteAsync(_ => { runs++; return ValueTask.CompletedTask; }));

        Assert.Equal(2, runs);
        Assert.NotNull(rejected.RetryAfter);
        Assert.True(rejected.RetryAfter > TimeSpan.Zero);
        Assert.IsAssignableFrom<ExecutionRejectedException>(rejected);
    }

    [Fact]
    public async Task A_concurrency_limiter_permit_is_returned_when_the_execution_ends()
    {
        using var limiter = new ConcurrencyLimiter(new ConcurrencyLimiterOptions { PermitLimit = 1, QueueLimit = 0 });
        var pipeline = new ResiliencePipelineBuilder<int>().AddScalableRateLimiter(limiter).Build();
        var release = new TaskCompletionSource();

        var holder = pipeline.ExecuteAsync(async _ => { await release.Task; return 1; }).AsTask();
        await Assert.ThrowsAsync<RateLimitRejectedException>(async () => await pipeline.ExecuteAsync(_ => ValueTask.FromResult(2)));
        release.SetResult();
        Assert.Equal(1, await holder);

        Assert.Equal(3, await pipeline.ExecuteAsync(_ => ValueTask.FromResult(3)));
    }

    [Fact]
    public async Task Rejections_are_reported_to_Polly_telemetry_with_their_source()
    {
        using var limiter = new ConcurrencyLimiter(new ConcurrencyLimiterOptions { PermitLimit = 1, QueueLimit = 0 });
        using var held = limiter.AttemptAcquire();
        var listener = new RecordingListener();
        var pipeline = new ResiliencePipelineBuilder { Name = "api", TelemetryListener = listener }.AddScalableRateLimiter(limiter).Build();

        var rejected = await Assert.ThrowsAsync<RateLimitRejectedException>(async () => await pipeline.ExecuteAsync(_ => ValueTask.CompletedTask));

        Assert.Contains("OnRateLimiterRejected", listener.Events);
        Assert.Equal("api", rejected.TelemetrySource?.PipelineName);
        Assert.Equal("RateLimit", rejected.TelemetrySource?.StrategyName);
    }

    [Fact]
    public void Options_without_a_limiter_are_refused_naming_the_setting()
    {
        var error = Assert.Throws<ArgumentException>(() => new ResiliencePipelineBuilder().AddScalableRateLimiter(new RateLimitStrategyOptions()));
        Assert.Contains("RateLimiter", error.Message, StringComparison.Ordinal);
    }

    private sealed class RecordingListener : TelemetryListener
    {
        public List<string> Events { get; } = [];

        public override void Write<TResult, TArgs>(in TelemetryEventArguments<TResult, TArgs> args) => Events.Add(args.Event.EventName);
    }
}
