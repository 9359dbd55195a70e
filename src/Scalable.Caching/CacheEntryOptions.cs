namespace Scalable.Caching;

/// <summary>Per-entry settings: duration, jitter, fail-safe, factory timeouts, early refresh and tags; fixed once made, so one instance can be shared by every call.</summary>
public sealed class CacheEntryOptions
{
    private readonly IReadOnlyList<string>? _tags;

    /// <summary>Gets how long a value stays fresh. <value>Default: 5 minutes.</value></summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Gets the largest random extra added to <see cref="Duration"/>, so entries written together do not expire together. <value>Default: zero (no jitter).</value></summary>
    public TimeSpan JitterMaxDuration { get; init; } = TimeSpan.Zero;

    /// <summary>Gets how long past its duration a stale value may still be served when the factory fails or is slow; zero disables fail-safe. <value>Default: zero (disabled).</value></summary>
    public TimeSpan FailSafeMaxDuration { get; init; } = TimeSpan.Zero;

    /// <summary>Gets how long a stale value is served, without calling the failing factory again, after a failure. <value>Default: 30 seconds.</value></summary>
    public TimeSpan FailSafeThrottleDuration { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Gets how long callers wait for the factory before getting a stale value while it finishes in the background; used only when a stale value exists. <value>Default: infinite.</value></summary>
    public TimeSpan FactorySoftTimeout { get; init; } = Timeout.InfiniteTimeSpan;

    /// <summary>Gets how long callers wait for the factory before its token is cancelled and they get the fail-safe stale value or a <see cref="TimeoutException"/>; a factory that ignores its token finishes in the background and its value is dropped. <value>Default: infinite.</value></summary>
    public TimeSpan FactoryHardTimeout { get; init; } = Timeout.InfiniteTimeSpan;

    /// <summary>Gets the XFetch beta: a read refreshes early with probability exp(-remaining / (factory time * beta)); zero disables early refresh. <value>Default: 1.</value></summary>
    public double EarlyRefreshBeta { get; init; } = 1.0;

    /// <summary>Gets the tags of the entry, for <see cref="IScalableCache.RemoveByTagAsync"/>; each at most 65,535 bytes in UTF-8. <value>Default: none.</value></summary>
    public IReadOnlyList<string>? Tags
    {
        get => _tags;
        init => _tags = value is null ? null : [.. value];
    }

    /// <summary>Gets the levels this call leaves out (L1 or L2 reads or writes). <value>Default: <see cref="CacheEntryFlags.None"/>.</value></summary>
    public CacheEntryFlags Flags { get; init; }

    // The HybridCache entry point's per-call options: these settings with its expiration, flags and tags.
    internal CacheEntryOptions With(TimeSpan duration, CacheEntryFlags flags, IReadOnlyList<string>? tags) => new()
    {
        Duration = duration,
        JitterMaxDuration = JitterMaxDuration,
        FailSafeMaxDuration = FailSafeMaxDuration,
        FailSafeThrottleDuration = FailSafeThrottleDuration,
        FactorySoftTimeout = FactorySoftTimeout,
        FactoryHardTimeout = FactoryHardTimeout,
        EarlyRefreshBeta = EarlyRefreshBeta,
        Tags = tags,
        Flags = flags,
    };
}
