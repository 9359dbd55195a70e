namespace Scalable.Resilience;

/// <summary>Settings of the Redis GCRA limiter: a token bucket that refills <see cref="PermitLimit"/> permits per <see cref="Window"/> and holds up to <see cref="BurstLimit"/>.</summary>
public sealed class RedisGcraRateLimiterOptions : RedisRateLimiterOptions
{
    /// <summary>Gets or sets how many permits are granted per window, shared by every instance.</summary>
    /// <value>Default 100; at least 1.</value>
    public int PermitLimit { get; set; } = 100;

    /// <summary>Gets or sets the window over which <see cref="PermitLimit"/> permits are granted.</summary>
    /// <value>Default 1 second; between 1 ms and 1 day.</value>
    public TimeSpan Window { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Gets or sets how many permits an idle bucket holds, i.e. the largest burst granted at once.</summary>
    /// <value>Default null, meaning <see cref="PermitLimit"/>; at least 1.</value>
    public int? BurstLimit { get; set; }

    internal int EffectiveBurst => BurstLimit ?? PermitLimit;

    internal override void Validate()
    {
        base.Validate();
        CheckRange(nameof(PermitLimit), PermitLimit, 1, int.MaxValue);
        CheckRange(nameof(Window), Window, TimeSpan.FromMilliseconds(1), TimeSpan.FromDays(1));
        CheckRange(nameof(BurstLimit), EffectiveBurst, 1, int.MaxValue);
    }
}
