namespace Scalable.Caching;

/// <summary>The outcome of a cache read: the value, whether one was found, and whether it is stale.</summary>
/// <typeparam name="T">The type of the cached value.</typeparam>
public readonly struct CacheResult<T> : IEquatable<CacheResult<T>>
{
    /// <summary>Creates a result.</summary>
    /// <param name="value">The value; default when <paramref name="hasValue"/> is false.</param>
    /// <param name="hasValue">Whether a value exists (false for a miss or a cached "not found").</param>
    /// <param name="isStale">Whether the value is past its duration and served by fail-safe or a soft timeout.</param>
    public CacheResult(T value, bool hasValue, bool isStale)
    {
        Value = value;
        HasValue = hasValue;
        IsStale = isStale;
    }

    /// <summary>Gets the value, or default when <see cref="HasValue"/> is false.</summary>
    public T Value { get; }

    /// <summary>Gets whether a value exists: false for a miss or for a cached "not found".</summary>
    public bool HasValue { get; }

    /// <summary>Gets whether the value is stale: past its duration, served because the factory failed or was slow.</summary>
    public bool IsStale { get; }

    /// <summary>Gets a result that carries no value.</summary>
    public static CacheResult<T> None => default;

    /// <summary>Compares two results for equality.</summary>
    /// <param name="left">The first result.</param>
    /// <param name="right">The second result.</param>
    /// <returns>True when both carry the same value and flags.</returns>
    public static bool operator ==(CacheResult<T> left, CacheResult<T> right) => left.Equals(right);

    /// <summary>Compares two results for inequality.</summary>
    /// <param name="left">The first result.</param>
    /// <param name="right">The second result.</param>
    /// <returns>True when they differ.</returns>
    public static bool operator !=(CacheResult<T> left, CacheResult<T> right) => !left.Equals(right);

    /// <inheritdoc />
    public bool Equals(CacheResult<T> other)
        => HasValue == other.HasValue && IsStale == other.IsStale && EqualityComparer<T>.Default.Equals(Value, other.Value);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is CacheResult<T> other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Value, HasValue, IsStale);
}
