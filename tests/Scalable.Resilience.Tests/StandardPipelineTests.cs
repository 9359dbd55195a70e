using Microsoft.Extensions.DependencyInjection;
using Polly;
using Polly.CircuitBreaker;
using Polly.Registry;
using Polly.Timeout;

namespace Scalable.Resilience.Tests;

public sealed class StandardPipelineTests
{
    private readonly FakeTimeProvider _clock = new();

    [Fact]
    public async Task Retry_waits_with_exponential_backoff_on_the_pipeline_clock()
    {
        var pipeline = Build(p =>
        {
            p.Retry.BaseDelay = TimeSpan.FromSeconds(2);
            p.Retry.UseJitter = false;
            p.CircuitBreaker.Enabled = false;
        });
        var attempts = new List<DateTimeOffset>();

        var result = await Clock.RunAsync(_clock, async () => await pipeline.ExecuteAsync(_ =>
        {
            attempts.Add(_clock.GetUtcNow());
            return attempts.Count < 3 ? throw new InvalidOperationException("transient") : ValueTask.FromResult(42);
        }), TimeSpan.FromMilliseconds(10));

        // The clock keeps moving in 10 ms steps while the retry's continuation waits for a thread, so on a busy machine an
        // attempt can see the clock many steps late: never early. The bounds still tell 2 s then 4 s (doubling) apart
        // from a constant delay (2 s, 2 s) and from a steeper growth (2 s, 8 s).
        Assert.Equal(42, result);
        Assert.Equal(3, attempts.Count);
        Assert.InRange(attempts[1] - attempts[0], TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(3.5));
        Assert.InRange(attempts[2] - attempts[1], TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(7));
    }

    [Fact]
    public async Task Jittered_retries_stay_within_the_backoff_bounds_and_give_up_after_the_limit()
    {
        var pipeline = Build(p =>
        {
            p.Retry.MaxRetryAttempts = 2;
            p.Retry.BaseDelay = TimeSpan.FromSeconds(1);
            p.CircuitBreaker.Enabled = false;
        });
        var attempts = new List<DateTimeOffset>();

        await Assert.ThrowsAsync<InvalidOperationException>(() => Clock.RunAsync(_clock, async () => await pipeline.ExecuteAsync<int>(_ =>
        {
            attempts.Add(_clock.GetUtcNow());
            throw new InvalidOperationException("down");
        }), TimeSpan.FromMilliseconds(50)));

        Assert.Equal(3, attempts.Count);
        Assert.InRange(attempts[1] - attempts[0], TimeSpan.Zero, TimeSpan.FromSeconds(3));
        Assert.InRange(attempts[2] - attempts[1], TimeSpan.Zero, TimeSpan.FromSeconds(6));
    }

    [Fact]
    public async Task Attempt_timeout_cancels_a_slow_attempt_and_the_retry_succeeds()
    {
        var pipeline = Build(p =>
        {
            p.AttemptTimeout = TimeSpan.FromSeconds(1);
            p.Retry.BaseDelay = TimeSpan.Zero;
            p.CircuitBreaker.Enabled = false;
        });
        var attempts = 0;

        var result = await Clock.RunAsync(_clock, async () => await pipeline.ExecuteAsync(async token =>
        {
            if (++attempts == 1)
            {
                await Task.Delay(Timeout.Infinite, token);
            }

            return attempts;
        }), TimeSpan.FromMilliseconds(100));

        Assert.Equal(2, result);
    }

    [Fact]
    public async Task Total_timeout_bounds_all_attempts_together()
    {
        var pipeline = Build(p =>
        {
            p.TotalTimeout = TimeSpan.FromSeconds(3);
            p.AttemptTimeout = TimeSpan.FromSeconds(2);
            p.Retry.BaseDelay = TimeSpan.Zero;
            p.Retry.MaxRetryAttempts = 10;
            p.CircuitBreaker.Enabled = false;
        });
        var attempts = 0;

        await Assert.ThrowsAsync<TimeoutRejectedException>(() => Clock.RunAsync(_clock, async () => await pipeline.ExecuteAsync(async token =>
        {
            attempts++;
            await Task.Delay(Timeout.Infinite, token);
            return 0;
        }), TimeSpan.FromMilliseconds(100)));

        Assert.Equal(2, attempts);
    }

    [Fact]
    public async Task Breaker_opens_on_failures_rejects_without_calling_and_closes_after_the_break()
    {
        var pipeline = Build(p =>
        {
            p.Retry.Enabled = false;
            p.CircuitBreaker.MinimumThroughput = 4;
            p.CircuitBreaker.FailureRatio = 0.5;
            p.CircuitBreaker.BreakDuration = TimeSpan.FromSeconds(5);
        });
        var calls = 0;
        for (var i = 0; i < 4; i++)
        {
            await Assert.ThrowsAsync<InvalidOperationException>(async () => await pipeline.ExecuteAsync<int>(_ => { calls++; throw new InvalidOperationException(); }));
        }

        await Assert.ThrowsAsync<BrokenCircuitException>(async () => await pipeline.ExecuteAsync(_ => { calls++; return ValueTask.FromResult(1); }));
        Assert.Equal(4, calls);

        _clock.Advance(TimeSpan.FromSeconds(6));
        Assert.Equal(1, await pipeline.ExecuteAsync(_ => { calls++; return ValueTask.FromResult(1); }));
        Assert.Equal(5, calls);
    }

    [Fact]
    public async Task The_local_concurrency_limiter_rejects_beyond_its_permits()
    {
        var pipeline = Build(p => p.RateLimiter.PermitLimit = 1);
        var release = new TaskCompletionSource<int>();
        var holder = pipeline.ExecuteAsync(async _ => await release.Task).AsTask();

        await Assert.ThrowsAsync<RateLimiterRejectedException>(async () => await pipeline.ExecuteAsync(_ => ValueTask.FromResult(2)));
        release.SetResult(1);
        Assert.Equal(1, await holder);
    }

    private ResiliencePipeline Build(Action<StandardPipelineOptions> configure)
    {
        var services = new ServiceCollection().AddSingleton<TimeProvider>(_clock);
        services.AddScalableResilience().AddPipeline("dependency", configure);
        var provider = services.BuildServiceProvider();
        return provider.GetRequiredService<ResiliencePipelineProvider<string>>().GetPipeline("dependency");
    }
}
