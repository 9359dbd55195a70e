namespace Scalable.Resilience;

/// <summary>Settings of the Redis concurrency limiter: at most <see cref="PermitLimit"/> leases held at once across instances, each expiring after <see cref="LeaseDuration"/>.</summary>
public sealed class RedisConcurrencyLimiterOptions : RedisRateLimiterOptions
{
    /// <summary>Gets or sets how many permits may be held at once, shared by every instance.</summary>
    /// <value>Default 100; at least 1.</value>
    public int PermitLimit { get; set; } = 100;

    /// <summary>Gets or sets how long a lease lasts if its holder never releases it (a crashed process); keep it above the longest normal hold.</summary>
    /// <value>Default 30 seconds; between 10 ms and 1 day.</value>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Gets or sets the retry hint of a rejection (its <c>RetryAfter</c>): permits usually free within milliseconds, so it is short rather than the time until the earliest lease expires.</summary>
    /// <value>Default 100 ms; between 1 ms and 1 minute. A lease that expires sooner shortens it.</value>
    public TimeSpan RetryAfter { get; set; } = TimeSpan.FromMilliseconds(100);

    internal override void Validate()
    {
        base.Validate();
        CheckRange(nameof(PermitLimit), PermitLimit, 1, int.MaxValue);
        CheckRange(nameof(LeaseDuration), LeaseDuration, TimeSpan.FromMilliseconds(10), TimeSpan.FromDays(1));
        CheckRange(nameof(RetryAfter), RetryAfter, TimeSpan.FromMilliseconds(1), TimeSpan.FromMinutes(1));
    }
}
