namespace Scalable.Resilience;

/// <summary>Settings of the <see cref="AdaptiveConcurrencyLimiter"/>.</summary>
public sealed class AdaptiveConcurrencyLimiterOptions
{
    /// <summary>Gets or sets the limiter name, used in metrics and logs.</summary>
    /// <value>Default "default".</value>
    public string Name { get; set; } = "default";

    /// <summary>Gets or sets the concurrency limit to start from.</summary>
    /// <value>Default 20; between <see cref="MinLimit"/> and <see cref="MaxLimit"/>.</value>
    public int InitialLimit { get; set; } = 20;

    /// <summary>Gets or sets the lowest limit the limiter lowers to.</summary>
    /// <value>Default 2; at least 1.</value>
    public int MinLimit { get; set; } = 2;

    /// <summary>Gets or sets the highest limit the limiter raises to.</summary>
    /// <value>Default 1000; at least <see cref="MinLimit"/>.</value>
    public int MaxLimit { get; set; } = 1000;

    /// <summary>Gets or sets the share of the limit that only <see cref="RequestPriority.Critical"/> requests may use.</summary>
    /// <value>Default 0.2; at least 0 and below 1.</value>
    public double CriticalReservedShare { get; set; } = 0.2;

    /// <summary>Gets or sets how many completed requests make one measurement window; the limit changes at most once per window.</summary>
    /// <value>Default 10; at least 1.</value>
    public int SamplesPerUpdate { get; set; } = 10;

    /// <summary>Gets or sets how often the no-load latency is learned afresh from the next window, so that a dependency that became slower for good is not throttled forever; null keeps the lowest latency ever seen.</summary>
    /// <value>Default null (never); at least 1 second when set.</value>
    public TimeSpan? NoLoadLatencyResetInterval { get; set; }

    internal void Validate()
    {
        ArgumentException.ThrowIfNullOrEmpty(Name, nameof(Name));
        Check(nameof(MinLimit), MinLimit >= 1, "at least 1");
        Check(nameof(MaxLimit), MaxLimit >= MinLimit, $"at least {nameof(MinLimit)} ({MinLimit})");
        Check(nameof(InitialLimit), InitialLimit >= MinLimit && InitialLimit <= MaxLimit, $"between {nameof(MinLimit)} ({MinLimit}) and {nameof(MaxLimit)} ({MaxLimit})");
        Check(nameof(CriticalReservedShare), CriticalReservedShare is >= 0 and < 1, "at least 0 and below 1");
        Check(nameof(SamplesPerUpdate), SamplesPerUpdate >= 1, "at least 1");
        Check(nameof(NoLoadLatencyResetInterval), NoLoadLatencyResetInterval is null || NoLoadLatencyResetInterval >= TimeSpan.FromSeconds(1), "null or at least 1 second");
    }

    private static void Check(string setting, bool valid, string rule)
    {
        if (!valid)
        {
            throw new ArgumentOutOfRangeException(setting, $"{nameof(AdaptiveConcurrencyLimiterOptions)}.{setting} must be {rule}.");
        }
    }
}
