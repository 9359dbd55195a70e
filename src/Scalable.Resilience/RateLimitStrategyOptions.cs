using System.Threading.RateLimiting;
using Polly;

namespace Scalable.Resilience;

/// <summary>Options for the rate-limit strategy that guards a Polly pipeline with a <see cref="System.Threading.RateLimiting.RateLimiter"/>.</summary>
public sealed class RateLimitStrategyOptions : ResilienceStrategyOptions
{
    /// <summary>Creates the options with the strategy name "RateLimit".</summary>
    public RateLimitStrategyOptions() => Name = "RateLimit";

    /// <summary>Gets or sets the limiter that grants one permit per execution; required.</summary>
    /// <value>No default: the limiter must be set.</value>
    public RateLimiter? RateLimiter { get; set; }

    /// <summary>Gets or sets whether the strategy disposes the limiter when the pipeline is disposed.</summary>
    /// <value>Default <see langword="false"/>: the caller owns the limiter.</value>
    public bool DisposeLimiter { get; set; }
}
