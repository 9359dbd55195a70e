namespace Scalable.Resilience;

/// <summary>Settings every Redis-backed limiter shares: key naming and what to do while Redis is down.</summary>
public abstract class RedisRateLimiterOptions
{
    /// <summary>Gets or sets the limiter name, used in Redis keys, metrics and logs; instances that share a limit use the same name.</summary>
    /// <value>Default "default"; not empty.</value>
    public string Name { get; set; } = "default";

    /// <summary>Gets or sets the prefix of the Redis keys.</summary>
    /// <value>Default "scalable:rl:". Keys are prefix + name + ":{" + partition + "}", so a partition maps to one Redis Cluster slot.</value>
    public string KeyPrefix { get; set; } = "scalable:rl:";

    /// <summary>Gets or sets what the limiter decides while Redis cannot be reached.</summary>
    /// <value>Default <see cref="OutagePolicy.LocalFallback"/>.</value>
    public OutagePolicy OutagePolicy { get; set; } = OutagePolicy.LocalFallback;

    /// <summary>Gets or sets the share of the limit one instance may use on its own during an outage (for <see cref="OutagePolicy.LocalFallback"/>); null takes 1 / the number of live instances, which each instance counts in Redis.</summary>
    /// <value>Default null: 1 / the instances that decided on this limit within the last 5 seconds, as last counted before the outage (1 if this instance never reached Redis); when set, greater than 0 and at most 1.</value>
    public double? FallbackShare { get; set; }

    /// <summary>Gets or sets how long the limiter follows its outage policy after a Redis failure before it tries Redis again.</summary>
    /// <value>Default 1 second; between 10 ms and 1 hour.</value>
    public TimeSpan RecoveryProbeInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Gets or sets how long an asynchronous decision may wait for Redis before the outage policy decides instead (a hung Redis must not stall every request).</summary>
    /// <value>Default 1 second; between 1 ms and 1 minute.</value>
    public TimeSpan DecisionTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Gets or sets whether <c>AttemptAcquire</c> waits for Redis (a blocking round trip); when false it answers "not acquired" at once, unless the outage policy decides, so that callers such as ASP.NET Core's rate-limiting middleware go on to <c>AcquireAsync</c>.</summary>
    /// <value>Default <see langword="false"/>: decisions are made asynchronously, and no thread blocks on Redis.</value>
    public bool BlockOnAttemptAcquire { get; set; }

    internal virtual void Validate()
    {
        if (string.IsNullOrEmpty(Name))
        {
            throw new ArgumentException($"{GetType().Name}.{nameof(Name)} must not be empty.", nameof(Name));
        }

        ArgumentNullException.ThrowIfNull(KeyPrefix, nameof(KeyPrefix));
        if (Name.AsSpan().IndexOfAny('{', '}') >= 0 || KeyPrefix.AsSpan().IndexOfAny('{', '}') >= 0)
        {
            throw new ArgumentException($"{GetType().Name}.{nameof(Name)} and {nameof(KeyPrefix)} must not contain '{{' or '}}': the partition is the key's Redis Cluster hash tag.", nameof(Name));
        }

        if (FallbackShare is { } share && !(share > 0 && share <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(FallbackShare), FallbackShare, $"{GetType().Name}.{nameof(FallbackShare)} must be null (1 / live instances), or greater than 0 and at most 1.");
        }

        CheckRange(nameof(RecoveryProbeInterval), RecoveryProbeInterval, TimeSpan.FromMilliseconds(10), TimeSpan.FromHours(1));
        CheckRange(nameof(DecisionTimeout), DecisionTimeout, TimeSpan.FromMilliseconds(1), TimeSpan.FromMinutes(1));
    }

    private protected void CheckRange<T>(string setting, T value, T min, T max)
        where T : IComparable<T>
    {
        if (value.CompareTo(min) < 0 || value.CompareTo(max) > 0)
        {
            throw new ArgumentOutOfRangeException(setting, value, $"{GetType().Name}.{setting} is {value}; it must be between {min} and {max}.");
        }
    }
}
