using System.Threading.RateLimiting;
using Scalable.Resilience;
using Scalable.Resilience.Internal;

namespace Polly;

/// <summary>Adds the Scalable rate-limit strategy to Polly pipeline builders.</summary>
public static class ResiliencePipelineBuilderRateLimitExtensions
{
    /// <summary>Adds a strategy that takes one permit from the limiter per execution and rejects with <see cref="RateLimitRejectedException"/> when none is granted.</summary>
    /// <typeparam name="TBuilder">The builder type.</typeparam>
    /// <param name="builder">The pipeline builder.</param>
    /// <param name="limiter">The limiter; the caller keeps ownership.</param>
    /// <returns>The same builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> or <paramref name="limiter"/> is null.</exception>
    public static TBuilder AddScalableRateLimiter<TBuilder>(this TBuilder builder, RateLimiter limiter)
        where TBuilder : ResiliencePipelineBuilderBase
    {
        ArgumentNullException.ThrowIfNull(limiter);
        return builder.AddScalableRateLimiter(new RateLimitStrategyOptions { RateLimiter = limiter });
    }

    /// <summary>Adds a strategy that takes one permit from the configured limiter per execution and rejects with <see cref="RateLimitRejectedException"/> when none is granted.</summary>
    /// <typeparam name="TBuilder">The builder type.</typeparam>
    /// <param name="builder">The pipeline builder.</param>
    /// <param name="options">The strategy options.</param>
    /// <returns>The same builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> or <paramref name="options"/> is null.</exception>
    /// <exception cref="ArgumentException"><see cref="RateLimitStrategyOptions.RateLimiter"/> is not set.</exception>
    public static TBuilder AddScalableRateLimiter<TBuilder>(this TBuilder builder, RateLimitStrategyOptions options)
        where TBuilder : ResiliencePipelineBuilderBase
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(options);
        var limiter = options.RateLimiter
            ?? throw new ArgumentException($"{nameof(RateLimitStrategyOptions)}.{nameof(RateLimitStrategyOptions.RateLimiter)} must be set.", nameof(options));
        var name = options.Name ?? "RateLimit";
        return builder.AddStrategy(context => new RateLimitResilienceStrategy(limiter, name, options.DisposeLimiter, context.Telemetry), options);
    }
}
