namespace Scalable.Resilience;

/// <summary>Settings of the Redis sliding-window limiter: at most <see cref="PermitLimit"/> permits in any <see cref="Window"/> (weighted estimate over the current and previous window).</summary>
public sealed class RedisSlidingWindowRateLimiterOptions : RedisRateLimiterOptions
{
    /// <summary>Gets or sets how many permits any window may grant, shared by every instance.</summary>
    /// <value>Default 100; at least 1.</value>
    public int PermitLimit { get; set; } = 100;

    /// <summary>Gets or sets the window length.</summary>
    /// <value>Default 1 second; between 1 ms and 1 day.</value>
    public TimeSpan Window { get; set; } = TimeSpan.FromSeconds(1);

    internal override void Validate()
    {
        base.Validate();
        CheckRange(nameof(PermitLimit), PermitLimit, 1, int.MaxValue);
        CheckRange(nameof(Window), Window, TimeSpan.FromMilliseconds(1), TimeSpan.FromDays(1));
    }
}
