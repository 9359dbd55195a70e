namespace Scalable.Resilience;

/// <summary>The circuit-breaker part of a standard pipeline.</summary>
public sealed class StandardCircuitBreakerOptions
{
    /// <summary>Gets or sets whether the pipeline has a circuit breaker.</summary>
    /// <value>Default <see langword="true"/>.</value>
    public bool Enabled { get; set; } = true;

    /// <summary>Gets or sets the share of failed attempts in the sampling duration that opens the breaker.</summary>
    /// <value>Default 0.1; greater than 0 and at most 1.</value>
    public double FailureRatio { get; set; } = 0.1;

    /// <summary>Gets or sets how many attempts the sampling duration must see before the breaker may open.</summary>
    /// <value>Default 100; at least 2.</value>
    public int MinimumThroughput { get; set; } = 100;

    /// <summary>Gets or sets the window over which failures are counted.</summary>
    /// <value>Default 30 seconds; at least 0.5 seconds.</value>
    public TimeSpan SamplingDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Gets or sets how long the breaker stays open before it lets a trial attempt through.</summary>
    /// <value>Default 5 seconds; at least 0.5 seconds.</value>
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Gets or sets the name under which the breaker state is shared through Redis with other instances; null keeps it local.</summary>
    /// <value>Default null. Needs <see cref="ScalableResilienceBuilder.WithRedis(Func{IServiceProvider, StackExchange.Redis.IConnectionMultiplexer})"/>.</value>
    public string? SharedName { get; set; }
}
