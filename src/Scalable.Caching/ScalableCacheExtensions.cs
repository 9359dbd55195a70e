using Scalable.Caching.Internal;

namespace Scalable.Caching;

/// <summary>Shorter overloads of <see cref="IScalableCache"/> methods.</summary>
public static class ScalableCacheExtensions
{
    /// <summary>Gets the value for a key, or runs the factory once and caches its result.</summary>
    /// <typeparam name="T">The type of the value.</typeparam>
    /// <param name="cache">The cache.</param>
    /// <param name="key">The key.</param>
    /// <param name="factory">Computes the value.</param>
    /// <param name="options">The entry options; null uses the defaults.</param>
    /// <param name="cancellationToken">Cancels this caller's wait.</param>
    /// <returns>The value (stale if fail-safe served it), or default for a cached "not found".</returns>
    /// <exception cref="ArgumentNullException"><paramref name="cache"/> or <paramref name="factory"/> is null.</exception>
    public static ValueTask<T> GetOrCreateAsync<T>(
        this IScalableCache cache,
        string key,
        Func<CancellationToken, ValueTask<T>> factory,
        CacheEntryOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(cache);
        ArgumentNullException.ThrowIfNull(factory);

        // A direct call on the sealed implementation avoids generic virtual dispatch, which costs more than an L1 hit.
        return cache is ScalableCache concrete
            ? concrete.GetOrCreateValueAsync(key, factory, static (f, _, ct) => f(ct), options, cancellationToken)
            : ValueOf(cache.GetOrCreateEntryAsync(key, factory, static (f, _, ct) => f(ct), options, cancellationToken));
    }

    /// <summary>Gets the value for a key, or runs a factory that can shape how its result is cached.</summary>
    /// <typeparam name="T">The type of the value.</typeparam>
    /// <param name="cache">The cache.</param>
    /// <param name="key">The key.</param>
    /// <param name="factory">Computes the value and may call <see cref="CacheFactoryContext.NotFound"/> or <see cref="CacheFactoryContext.DoNotCache"/>.</param>
    /// <param name="options">The entry options; null uses the defaults.</param>
    /// <param name="cancellationToken">Cancels this caller's wait.</param>
    /// <returns>The value, or default for a cached "not found".</returns>
    /// <exception cref="ArgumentNullException"><paramref name="cache"/> or <paramref name="factory"/> is null.</exception>
    public static ValueTask<T> GetOrCreateAsync<T>(
        this IScalableCache cache,
        string key,
        Func<CacheFactoryContext, CancellationToken, ValueTask<T>> factory,
        CacheEntryOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(cache);
        ArgumentNullException.ThrowIfNull(factory);
        return cache is ScalableCache concrete
            ? concrete.GetOrCreateValueAsync(key, factory, static (f, context, ct) => f(context, ct), options, cancellationToken)
            : ValueOf(cache.GetOrCreateEntryAsync(key, factory, static (f, context, ct) => f(context, ct), options, cancellationToken));
    }

    /// <summary>Gets the result for a key (value, found, stale), or runs a factory that can shape how its result is cached.</summary>
    /// <typeparam name="T">The type of the value.</typeparam>
    /// <param name="cache">The cache.</param>
    /// <param name="key">The key.</param>
    /// <param name="factory">Computes the value.</param>
    /// <param name="options">The entry options; null uses the defaults.</param>
    /// <param name="cancellationToken">Cancels this caller's wait.</param>
    /// <returns>The value, whether one exists, and whether it is stale.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="cache"/> or <paramref name="factory"/> is null.</exception>
    public static ValueTask<CacheResult<T>> GetOrCreateEntryAsync<T>(
        this IScalableCache cache,
        string key,
        Func<CacheFactoryContext, CancellationToken, ValueTask<T>> factory,
        CacheEntryOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(cache);
        ArgumentNullException.ThrowIfNull(factory);
        return cache is ScalableCache concrete
            ? concrete.GetOrCreateEntryAsync(key, factory, static (f, context, ct) => f(context, ct), options, cancellationToken)
            : cache.GetOrCreateEntryAsync(key, factory, static (f, context, ct) => f(context, ct), options, cancellationToken);
    }

    private static ValueTask<T> ValueOf<T>(ValueTask<CacheResult<T>> pending)
        => pending.IsCompletedSuccessfully ? new ValueTask<T>(pending.Result.Value) : AwaitValueAsync(pending);

    private static async ValueTask<T> AwaitValueAsync<T>(ValueTask<CacheResult<T>> pending)
        => (await pending.ConfigureAwait(false)).Value;
}
