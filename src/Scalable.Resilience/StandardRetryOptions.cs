namespace Scalable.Resilience;

/// <summary>The retry part of a standard pipeline: exponential backoff with jitter.</summary>
public sealed class StandardRetryOptions
{
    /// <summary>Gets or sets whether the pipeline retries.</summary>
    /// <value>Default <see langword="true"/>.</value>
    public bool Enabled { get; set; } = true;

    /// <summary>Gets or sets how many times a failed attempt is retried.</summary>
    /// <value>Default 3; between 1 and 100.</value>
    public int MaxRetryAttempts { get; set; } = 3;

    /// <summary>Gets or sets the delay before the first retry; later ones double it.</summary>
    /// <value>Default 2 seconds; between 0 and 1 day.</value>
    public TimeSpan BaseDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Gets or sets the longest delay between two attempts.</summary>
    /// <value>Default 30 seconds; not shorter than <see cref="BaseDelay"/>.</value>
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Gets or sets whether delays are randomized so that clients do not retry in lockstep.</summary>
    /// <value>Default <see langword="true"/>.</value>
    public bool UseJitter { get; set; } = true;
}
