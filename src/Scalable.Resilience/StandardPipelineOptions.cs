namespace Scalable.Resilience;

/// <summary>Settings of one standard pipeline: rate limiter, total timeout, retry, circuit breaker and attempt timeout, in that order.</summary>
public sealed class StandardPipelineOptions
{
    /// <summary>Gets the rate-limiter settings (the outermost strategy).</summary>
    public StandardRateLimitOptions RateLimiter { get; } = new();

    /// <summary>Gets or sets the bound on the whole execution, retries included.</summary>
    /// <value>Default 30 seconds; between 10 ms and 24 hours.</value>
    public TimeSpan TotalTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Gets the retry settings.</summary>
    public StandardRetryOptions Retry { get; } = new();

    /// <summary>Gets the circuit-breaker settings.</summary>
    public StandardCircuitBreakerOptions CircuitBreaker { get; } = new();

    /// <summary>Gets or sets the bound on each single attempt (the innermost strategy).</summary>
    /// <value>Default 10 seconds; between 10 ms and 24 hours.</value>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(10);
}
