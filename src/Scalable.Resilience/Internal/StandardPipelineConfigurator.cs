using System.Threading.RateLimiting;
using Microsoft.Extensions.DependencyInjection;
using Polly;
using Polly.CircuitBreaker;
using Polly.RateLimiting;
using Polly.Retry;

namespace Scalable.Resilience.Internal;

// Builds the standard preset, outermost first: rate limiter -> total timeout -> retry -> circuit breaker -> attempt timeout.
// The limiter strategy is Polly.RateLimiting's, so rejections are RateLimiterRejectedException and Polly's telemetry
// reports them (OnRateLimiterRejected); we add no counter of our own for them.
internal static class StandardPipelineConfigurator
{
    public static void Configure(ResiliencePipelineBuilder builder, string name, StandardPipelineOptions options, IServiceProvider? services, Action<Action>? onDisposed)
    {
        if (options.RateLimiter.Enabled)
        {
            builder.AddRateLimiter(ResolveLimiter(name, options.RateLimiter, services, onDisposed));
        }

        builder.AddTimeout(options.TotalTimeout);

        if (options.Retry.Enabled)
        {
            builder.AddRetry(CreateRetry(options.Retry));
        }

        if (options.CircuitBreaker.Enabled)
        {
            builder.AddCircuitBreaker(CreateBreaker(name, options.CircuitBreaker, services, services?.GetService<ResilienceMetrics>()));
        }

        builder.AddTimeout(options.AttemptTimeout);
    }

    private static RateLimiter ResolveLimiter(string pipeline, StandardRateLimitOptions options, IServiceProvider? services, Action<Action>? onDisposed)
    {
        if (options.LimiterName is { } limiterName)
        {
            return services?.GetKeyedService<RateLimiter>(limiterName)
                ?? throw new InvalidOperationException(
                    $"Pipelines:{pipeline}:RateLimiter:LimiterName is '{limiterName}', but no limiter of that name is registered; call AddRateLimiter(\"{limiterName}\", ...) on the Scalable resilience builder.");
        }

        var limiter = new ConcurrencyLimiter(new ConcurrencyLimiterOptions
        {
            PermitLimit = options.PermitLimit,
            QueueLimit = options.QueueLimit,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
        // Only a pipeline that is told when it is disposed (a registry's) reports its queue: the gauge must forget the limiter then.
        if (onDisposed is not null && services?.GetService<ResilienceMetrics>() is { } metrics)
        {
            metrics.ObserveQueue(limiter, pipeline);
            onDisposed(() =>
            {
                metrics.ForgetQueue(limiter);
                limiter.Dispose();
            });
        }

        return limiter;
    }

    private static RetryStrategyOptions CreateRetry(StandardRetryOptions options) => new()
    {
        MaxRetryAttempts = options.MaxRetryAttempts,
        Delay = options.BaseDelay,
        MaxDelay = options.MaxDelay,
        BackoffType = DelayBackoffType.Exponential,
        UseJitter = options.UseJitter,
        ShouldHandle = args => new ValueTask<bool>(IsTransient(args.Outcome.Exception)),
    };

    // The instruments are the container's (AddScalableResilience registers them); a pipeline built without one reports
    // through Polly's telemetry only.
    private static CircuitBreakerStrategyOptions CreateBreaker(string pipeline, StandardCircuitBreakerOptions options, IServiceProvider? services, ResilienceMetrics? metrics)
    {
        var breaker = new CircuitBreakerStrategyOptions
        {
            FailureRatio = options.FailureRatio,
            MinimumThroughput = options.MinimumThroughput,
            SamplingDuration = options.SamplingDuration,
            BreakDuration = options.BreakDuration,
            ShouldHandle = args => new ValueTask<bool>(IsTransient(args.Outcome.Exception)),
            OnOpened = _ => Transition(metrics, pipeline, "open"),
            OnClosed = _ => Transition(metrics, pipeline, "closed"),
            OnHalfOpened = _ => Transition(metrics, pipeline, "half_open"),
        };

        if (options.SharedName is { } sharedName)
        {
            var breakers = services?.GetService<SharedCircuitBreakers>()
                ?? throw new InvalidOperationException(
                    $"Pipelines:{pipeline}:CircuitBreaker:SharedName is set, but no Redis connection is configured; call WithRedis(...) on the Scalable resilience builder.");
            breakers.Get(sharedName).Apply(breaker);
        }

        return breaker;
    }

    // Rejections by our own breaker or limiter are not worth retrying or counting as dependency failures; cancellation is the caller's choice.
    private static bool IsTransient(Exception? exception)
        => exception is not null and not OperationCanceledException and not BrokenCircuitException and not RateLimiterRejectedException;

    private static ValueTask Transition(ResilienceMetrics? metrics, string pipeline, string state)
    {
        metrics?.RecordBreakerTransition(pipeline, state);
        return ValueTask.CompletedTask;
    }
}
