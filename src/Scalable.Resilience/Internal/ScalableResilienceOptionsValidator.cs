using System.Threading.RateLimiting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Scalable.Resilience.Internal;

// Runs at host start (ValidateOnStart) so a bad setting fails the host with a message naming the setting; it also checks
// that named limiters are registered and that shared breakers have Redis, which would otherwise fail on first use.
internal sealed class ScalableResilienceOptionsValidator(IServiceProvider services) : IValidateOptions<ScalableResilienceOptions>
{
    private static readonly TimeSpan MinTimeout = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan MaxTimeout = TimeSpan.FromHours(24);
    private static readonly TimeSpan MinBreakerWindow = TimeSpan.FromMilliseconds(500);

    public ValidateOptionsResult Validate(string? name, ScalableResilienceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        foreach (var (pipeline, settings) in options.Pipelines)
        {
            if (string.IsNullOrWhiteSpace(pipeline))
            {
                errors.Add("Pipelines: a pipeline name must not be empty.");
                continue;
            }

            if (settings is null)
            {
                errors.Add($"Pipelines:{pipeline} must not be null.");
                continue;
            }

            Validate($"Pipelines:{pipeline}", settings, errors);
            ValidateReferences($"Pipelines:{pipeline}", settings, errors);
        }

        // Configuration compares keys case-insensitively, so "orders" from a file and AddPipeline("Orders") look like one
        // pipeline to a reader, yet Polly's registry would hold two: refused rather than guessed.
        foreach (var group in options.Pipelines.Keys.Where(key => !string.IsNullOrWhiteSpace(key)).GroupBy(key => key, StringComparer.OrdinalIgnoreCase).Where(group => group.Count() > 1))
        {
            errors.Add($"Pipelines: the names {string.Join(" and ", group.Select(key => $"'{key}'"))} differ only in case; pipeline names are compared as configuration keys are (ignoring case), so spell them the same.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    internal static void Validate(string path, StandardPipelineOptions options, List<string> errors)
    {
        Range(errors, $"{path}:TotalTimeout", options.TotalTimeout, MinTimeout, MaxTimeout);
        Range(errors, $"{path}:AttemptTimeout", options.AttemptTimeout, MinTimeout, MaxTimeout);

        // The cross-checks of Microsoft.Extensions.Http.Resilience: an attempt that may last the whole budget leaves no
        // time to retry, and a sampling window shorter than two attempts can never see enough outcomes to break.
        if (options.AttemptTimeout >= options.TotalTimeout)
        {
            errors.Add($"{path}:AttemptTimeout is {options.AttemptTimeout}; it must be less than {path}:TotalTimeout ({options.TotalTimeout}).");
        }

        if (options.CircuitBreaker.Enabled && options.CircuitBreaker.SamplingDuration < 2 * options.AttemptTimeout)
        {
            errors.Add($"{path}:CircuitBreaker:SamplingDuration is {options.CircuitBreaker.SamplingDuration}; it must be at least twice {path}:AttemptTimeout ({2 * options.AttemptTimeout}).");
        }

        var limiter = options.RateLimiter;
        if (limiter.Enabled && limiter.LimiterName is null)
        {
            Range(errors, $"{path}:RateLimiter:PermitLimit", limiter.PermitLimit, 1, int.MaxValue);
            Range(errors, $"{path}:RateLimiter:QueueLimit", limiter.QueueLimit, 0, int.MaxValue);
        }

        if (limiter.LimiterName is { } limiterName && string.IsNullOrWhiteSpace(limiterName))
        {
            errors.Add($"{path}:RateLimiter:LimiterName must not be empty; leave it unset to use the local concurrency limiter.");
        }

        var retry = options.Retry;
        if (retry.Enabled)
        {
            Range(errors, $"{path}:Retry:MaxRetryAttempts", retry.MaxRetryAttempts, 1, 100);
            Range(errors, $"{path}:Retry:BaseDelay", retry.BaseDelay, TimeSpan.Zero, TimeSpan.FromDays(1));
            Range(errors, $"{path}:Retry:MaxDelay", retry.MaxDelay, retry.BaseDelay, TimeSpan.FromDays(1));
        }

        var breaker = options.CircuitBreaker;
        if (breaker.Enabled)
        {
            if (!(breaker.FailureRatio > 0 && breaker.FailureRatio <= 1))
            {
                errors.Add($"{path}:CircuitBreaker:FailureRatio is {breaker.FailureRatio}; it must be greater than 0 and at most 1.");
            }

            Range(errors, $"{path}:CircuitBreaker:MinimumThroughput", breaker.MinimumThroughput, 2, int.MaxValue);
            Range(errors, $"{path}:CircuitBreaker:SamplingDuration", breaker.SamplingDuration, MinBreakerWindow, MaxTimeout);
            Range(errors, $"{path}:CircuitBreaker:BreakDuration", breaker.BreakDuration, MinBreakerWindow, MaxTimeout);
            if (breaker.SharedName is { } shared && string.IsNullOrWhiteSpace(shared))
            {
                errors.Add($"{path}:CircuitBreaker:SharedName must not be empty; leave it unset to keep the breaker local.");
            }
        }
    }

    private void ValidateReferences(string path, StandardPipelineOptions options, List<string> errors)
    {
        if (options.RateLimiter is { Enabled: true, LimiterName: { Length: > 0 } limiterName }
            && services.GetService<IServiceProviderIsKeyedService>() is { } keyed
            && !keyed.IsKeyedService(typeof(RateLimiter), limiterName))
        {
            errors.Add($"{path}:RateLimiter:LimiterName is '{limiterName}', but no limiter of that name is registered; call AddRateLimiter(\"{limiterName}\", ...) or AddRedis...RateLimiter(\"{limiterName}\") on the Scalable resilience builder.");
        }

        if (options.CircuitBreaker is { Enabled: true, SharedName: { Length: > 0 } }
            && services.GetService<IServiceProviderIsService>() is { } known
            && !known.IsService(typeof(SharedCircuitBreakers)))
        {
            errors.Add($"{path}:CircuitBreaker:SharedName is set, but no Redis connection is configured; call WithRedis(...) on the Scalable resilience builder.");
        }
    }

    private static void Range<T>(List<string> errors, string setting, T value, T min, T max)
        where T : IComparable<T>
    {
        if (value.CompareTo(min) < 0 || value.CompareTo(max) > 0)
        {
            errors.Add($"{setting} is {value}; it must be between {min} and {max}.");
        }
    }
}
