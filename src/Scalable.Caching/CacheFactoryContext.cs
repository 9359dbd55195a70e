namespace Scalable.Caching;

/// <summary>Lets a factory decide how its result is cached: for how long, as "not found", or not at all.</summary>
public sealed class CacheFactoryContext
{
    internal CacheFactoryContext(string key, TimeSpan duration, bool hasStaleValue)
    {
        Key = key;
        Duration = duration;
        HasStaleValue = hasStaleValue;
    }

    /// <summary>Gets the key being computed.</summary>
    public string Key { get; }

    /// <summary>Gets or sets how long the result stays fresh; starts at the entry options' duration.</summary>
    public TimeSpan Duration { get; set; }

    /// <summary>Gets whether a stale value exists that fail-safe could serve if this factory fails.</summary>
    public bool HasStaleValue { get; }

    internal bool IsNotFound { get; private set; }

    internal bool IsDoNotCache { get; private set; }

    /// <summary>Caches "not found" for the given duration instead of the returned value (negative caching).</summary>
    /// <param name="duration">How long to remember that the value does not exist; greater than zero.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="duration"/> is zero or negative.</exception>
    public void NotFound(TimeSpan duration)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(duration, TimeSpan.Zero);
        IsNotFound = true;
        Duration = duration;
    }

    /// <summary>Returns the factory's result to the callers without storing it anywhere.</summary>
    public void DoNotCache() => IsDoNotCache = true;
}
