namespace Scalable.Caching;

/// <summary>Per-entry settings: duration, jitter, fail-safe, factory timeouts, early refresh and tags.</summary>
public sealed class CacheEntryOptions
{
    /// <summary>Gets or sets how long a value stays fresh. <value>Default: 5 minutes.</value></summary>
    public TimeSpan Duration { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Gets or sets the largest random extra added to <see cref="Duration"/>, so entries written together do not expire together. <value>Default: zero (no jitter).</value></summary>
    public TimeSpan JitterMaxDuration { get; set; } = TimeSpan.Zero;

    /// <summary>Gets or sets how long past its duration a stale value may still be served when the factory fails or is slow; zero disables fail-safe. <value>Default: zero (disabled).</value></summary>
    public TimeSpan FailSafeMaxDuration { get; set; } = TimeSpan.Zero;

    /// <summary>Gets or sets how long a stale value is served, without calling the failing factory again, after a failure. <value>Default: 30 seconds.</value></summary>
    public TimeSpan FailSafeThrottleDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Gets or sets how long callers wait for the factory before getting a stale value while it finishes in the background; used only when a stale value exists. <value>Default: infinite.</value></summary>
    public TimeSpan FactorySoftTimeout { get; set; } = Timeout.InfiniteTimeSpan;

    /// <summary>Gets or sets how long callers wait for the factory before its token is cancelled and they get the fail-safe stale value or a <see cref="TimeoutException"/>; a factory that ignores its token finishes in the background and its value is dropped. <value>Default: infinite.</value></summary>
    public TimeSpan FactoryHardTimeout { get; set; } = Timeout.InfiniteTimeSpan;

    /// <summary>Gets or sets the XFetch beta: a read refreshes early with probability exp(-remaining / (factory time * beta)); zero disables early refresh. <value>Default: 1.</value></summary>
    public double EarlyRefreshBeta { get; set; } = 1.0;

    /// <summary>Gets or sets the tags of the entry, for <see cref="IScalableCache.RemoveByTagAsync"/>; each at most 65,535 bytes in UTF-8. <value>Default: none.</value></summary>
    public IReadOnlyList<string>? Tags { get; set; }

    /// <summary>Gets or sets the levels this call leaves out (L1 or L2 reads or writes). <value>Default: <see cref="CacheEntryFlags.None"/>.</value></summary>
    public CacheEntryFlags Flags { get; set; }

    /// <summary>Copies these options, so a copy can be changed without affecting the original.</summary>
    /// <returns>The copy.</returns>
    public CacheEntryOptions Clone() => (CacheEntryOptions)MemberwiseClone();
}
