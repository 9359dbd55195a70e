using Microsoft.Extensions.DependencyInjection;
using Polly;
using Polly.CircuitBreaker;
using Polly.Registry;
using Polly.Retry;
using Polly.Telemetry;
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
            return attempts.Count < 4 ? throw new InvalidOperationException("transient") : ValueTask.FromResult(42);
        }), TimeSpan.FromMilliseconds(10));

        // The clock keeps moving in 10 ms steps while the retry's continuation waits for a thread, so on a busy machine an
        // attempt can see the clock many steps late: never early. Three gaps tell 2 s, 4 s, 8 s (doubling) apart from a
        // constant delay (2, 2, 2), a linear one (2, 4, 6) and a steeper growth (2, 8, 32).
        Assert.Equal(42, result);
        Assert.Equal(4, attempts.Count);
        Assert.InRange(attempts[1] - attempts[0], TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(3.5));
        Assert.InRange(attempts[2] - attempts[1], TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(7));
        Assert.InRange(attempts[3] - attempts[2], TimeSpan.FromSeconds(8), TimeSpan.FromSeconds(12));
    }

    [Fact]
    public async Task Jittered_retries_start_within_the_doubling_windows_of_decorrelated_jitter_and_give_up_after_the_limit()
    {
        // Polly's decorrelated jitter (the documented Retry:UseJitter behaviour) lets one delay fall anywhere from 0 to
        // about twice its base, but the n-th retry starts between Window(n - 1) and Window(n) base delays after the first
        // failure: 0, 1.38, 2.84, 5.69, 11.4 base delays, windows that double, so the series still backs off exponentially.
        // A constant or linear jitter, or no jitter at all (1, 3, 7, 15 base delays), leaves these windows.
        static TimeSpan Window(int retry) => TimeSpan.FromSeconds(Math.Pow(2, retry) * Math.Tanh(Math.Sqrt(4.0 * retry)) / 1.4);
        const int retries = 4;
        var listener = new RetryDelays();
        var pipeline = Build(p =>
        {
            p.Retry.MaxRetryAttempts = retries;
            p.Retry.BaseDelay = TimeSpan.FromSeconds(1);
            p.CircuitBreaker.Enabled = false;
        }, listener);
        var firstDelays = new HashSet<TimeSpan>();

        for (var run = 0; run < 8; run++)
        {
            listener.Delays.Clear();
            var attempts = new List<DateTimeOffset>();
            await Assert.ThrowsAsync<InvalidOperationException>(() => Clock.RunAsync(_clock, async () => await pipeline.ExecuteAsync<int>(_ =>
            {
                attempts.Add(_clock.GetUtcNow());
                throw new InvalidOperationException("down");
            }), TimeSpan.FromMilliseconds(50)));

            Assert.Equal(retries + 1, attempts.Count);
            Assert.Equal(retries, listener.Delays.Count);
            var sinceFirstFailure = TimeSpan.Zero;
            for (var retry = 1; retry <= retries; retry++)
            {
                var delay = listener.Delays[retry - 1];
                sinceFirstFailure += delay;
                // Each tick-rounded delay may lose under one tick.
                Assert.InRange(sinceFirstFailure, Window(retry - 1) - TimeSpan.FromTicks(retries), Window(retry));
                // The pipeline really waits that delay on its clock (FakeTimeProvider keeps whole milliseconds of a timer; a busy
                // machine may see the clock late, never early).
                Assert.True(attempts[retry] - attempts[retry - 1] > delay - TimeSpan.FromMilliseconds(1), $"retry {retry} came {attempts[retry] - attempts[retry - 1]} after the previous attempt, before its delay of {delay}");
            }

            firstDelays.Add(listener.Delays[0]);
        }

        Assert.True(firstDelays.Count > 1, "the delays to vary between executions (jitter)");
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

    private ResiliencePipeline Build(Action<StandardPipelineOptions> configure, TelemetryListener? listener = null)
    {
        var services = new ServiceCollection().AddSingleton<TimeProvider>(_clock);
        if (listener is not null)
        {
            services.Configure<TelemetryOptions>(telemetry => telemetry.TelemetryListeners.Add(listener));
        }

        services.AddScalableResilience().AddPipeline("dependency", configure);
        var provider = services.BuildServiceProvider();
        return provider.GetRequiredService<ResiliencePipelineProvider<string>>().GetPipeline("dependency");
    }

    // The delays the retry strategy reports to Polly's telemetry, in order.
    private sealed class RetryDelays : TelemetryListener
    {
        public List<TimeSpan> Delays { get; } = [];

        public override void Write<TResult, TArgs>(in TelemetryEventArguments<TResult, TArgs> args)
        {
            if (args.Arguments is OnRetryArguments<TResult> retry)
            {
                Delays.Add(retry.RetryDelay);
            }
        }
    }
}
