namespace Scalable.Resilience;

/// <summary>The rate-limiter part of a standard pipeline: a local concurrency limiter, or a named limiter registered with the builder.</summary>
public sealed class StandardRateLimitOptions
{
    /// <summary>Gets or sets whether the pipeline has a rate limiter.</summary>
    /// <value>Default <see langword="true"/>.</value>
    public bool Enabled { get; set; } = true;

    /// <summary>Gets or sets the name of a limiter registered with <see cref="ScalableResilienceBuilder.AddRateLimiter(string, Func{IServiceProvider, System.Threading.RateLimiting.RateLimiter})"/>; when null a local concurrency limiter is used.</summary>
    /// <value>Default null.</value>
    public string? LimiterName { get; set; }

    /// <summary>Gets or sets how many executions may run at once when the local concurrency limiter is used.</summary>
    /// <value>Default 1000; at least 1.</value>
    public int PermitLimit { get; set; } = 1000;

    /// <summary>Gets or sets how many executions may wait for a permit of the local concurrency limiter.</summary>
    /// <value>Default 0 (reject at once); not negative.</value>
    public int QueueLimit { get; set; }
}
