namespace Scalable.Caching;

/// <summary>Options for Scalable.Caching; validated when the host starts.</summary>
public sealed class ScalableCachingOptions
{
    /// <summary>Gets or sets the entry options used when a call passes none. <value>Default: 5 minutes, no jitter, fail-safe off, no timeouts, early refresh beta 1.</value></summary>
    public CacheEntryOptions DefaultEntryOptions { get; set; } = new();

    /// <summary>Gets or sets the L1 size limit in bytes; each entry counts its serialized size (without an L2, an estimate) plus its key. <value>Default: 256 MiB.</value></summary>
    public long L1SizeLimitBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>Gets or sets the largest serialized value that may be cached when there is an L2; larger values fail with <see cref="CachePayloadTooLargeException"/>. <value>Default: 1 MiB.</value></summary>
    public int MaximumPayloadBytes { get; set; } = 1024 * 1024;

    /// <summary>Gets or sets the longest key or tag, in characters. <value>Default: 1024.</value></summary>
    public int MaximumKeyLength { get; set; } = 1024;

    /// <summary>Gets or sets the prefix of every Redis key and channel this cache uses, so several caches can share a Redis. <value>Default: "scalable:".</value></summary>
    public string KeyPrefix { get; set; } = "scalable:";

    /// <summary>Gets or sets whether instances sharing Redis take a lease so only one of them runs a factory per key. <value>Default: true.</value></summary>
    public bool EnableDistributedSingleFlight { get; set; } = true;

    /// <summary>Gets or sets how long a Redis lease lives unless renewed; the holder renews it every third of this while its factory runs. <value>Default: 10 seconds.</value></summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Gets or sets how long an instance waits for another instance's factory before running the factory itself. <value>Default: 30 seconds.</value></summary>
    public TimeSpan LeaseWaitTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Gets or sets whether sets, removals and tag removals are sent to the other instances over Redis pub/sub. <value>Default: true.</value></summary>
    public bool EnableBackplane { get; set; } = true;

    /// <summary>Gets or sets whether L2 (Redis or distributed cache) errors reach callers; when false they are logged, counted and absorbed. <value>Default: false.</value></summary>
    public bool ThrowOnL2Errors { get; set; }

    /// <summary>Gets or sets how long a caller waits for one L2, lease or backplane call before it counts as failed and the cache goes on without it; infinite leaves it to the client (StackExchange.Redis 2.x waits 5 s by default, and queues commands while disconnected). <value>Default: 500 milliseconds.</value></summary>
    public TimeSpan L2OperationTimeout { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Gets or sets how many L2 failures in a row open the L2 circuit breaker. <value>Default: 3.</value></summary>
    public int L2CircuitBreakerFailureThreshold { get; set; } = 3;

    /// <summary>Gets or sets how long the L2 circuit breaker stays open before L2 is tried again. <value>Default: 5 seconds.</value></summary>
    public TimeSpan L2CircuitBreakerBreakDuration { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Gets or sets how many removals (and sets) made while L2 is unreachable are kept for replay; older ones beyond this are dropped and logged. <value>Default: 10000.</value></summary>
    public int MaximumPendingRemovals { get; set; } = 10_000;

    /// <summary>Gets or sets how long to wait after Redis reconnects before replaying queued removals, so the other instances have resubscribed and hear them. <value>Default: 2 seconds.</value></summary>
    public TimeSpan ReplayDelayAfterReconnect { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Gets or sets how many early refreshes may run in the background at once; more are skipped. <value>Default: 64.</value></summary>
    public int MaximumBackgroundRefreshes { get; set; } = 64;

    /// <summary>Gets or sets how long, without a backplane (<c>WithDistributedCache()</c> or <see cref="EnableBackplane"/> false), a tag's removal stamp is trusted before it is read again from L2, so another instance's tag removal is seen within this bound. <value>Default: 5 seconds.</value></summary>
    public TimeSpan TagStampMaxAge { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Gets or sets how long a tag removal is remembered in L2; keep it longer than any entry's duration plus fail-safe. <value>Default: 1 day.</value></summary>
    public TimeSpan TagRemovalRetention { get; set; } = TimeSpan.FromDays(1);

    /// <summary>Gets or sets how long Redis keeps a removed key's tombstone, which refuses a value computed before the removal that arrives after it; keep it longer than the Redis client may hold a command (StackExchange.Redis: its async timeout). <value>Default: 1 minute.</value></summary>
    public TimeSpan KeyRemovalRetention { get; set; } = TimeSpan.FromMinutes(1);
}
