namespace Scalable.Caching;

/// <summary>A cache-aside over an in-process L1 and an optional shared L2, with single-flight, early refresh, fail-safe and invalidation across instances.</summary>
public interface IScalableCache
{
    /// <summary>Gets the value for a key, or runs the factory once (per key, across callers and instances) and caches its result.</summary>
    /// <typeparam name="TState">The type of the state passed to the factory.</typeparam>
    /// <typeparam name="T">The type of the value.</typeparam>
    /// <param name="key">The key; not null, not empty, at most <see cref="ScalableCachingOptions.MaximumKeyLength"/> characters.</param>
    /// <param name="state">State passed to the factory, so a static lambda needs no closure.</param>
    /// <param name="factory">Computes the value; it may call <see cref="CacheFactoryContext.NotFound"/> or <see cref="CacheFactoryContext.DoNotCache"/>.</param>
    /// <param name="options">The entry options; null uses <see cref="ScalableCachingOptions.DefaultEntryOptions"/>.</param>
    /// <param name="cancellationToken">Cancels this caller's wait; the factory is cancelled only when every waiting caller has cancelled.</param>
    /// <returns>The value, whether one exists, and whether it is stale.</returns>
    /// <exception cref="ArgumentException"><paramref name="key"/> is empty or too long, or <paramref name="options"/> is invalid (for example a tag over 65,535 UTF-8 bytes).</exception>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> or <paramref name="factory"/> is null.</exception>
    /// <exception cref="TimeoutException">The factory passed <see cref="CacheEntryOptions.FactoryHardTimeout"/> (whether or not it honoured its token) and no stale value could be served.</exception>
    /// <exception cref="CachePayloadTooLargeException">An L2 is configured and the serialized value is larger than <see cref="ScalableCachingOptions.MaximumPayloadBytes"/>.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled while this caller waited.</exception>
    ValueTask<CacheResult<T>> GetOrCreateEntryAsync<TState, T>(
        string key,
        TState state,
        Func<TState, CacheFactoryContext, CancellationToken, ValueTask<T>> factory,
        CacheEntryOptions? options = null,
        CancellationToken cancellationToken = default);

    /// <summary>Gets a fresh value for a key from L1 or L2 without computing it.</summary>
    /// <typeparam name="T">The type of the value.</typeparam>
    /// <param name="key">The key.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The value if a fresh one is cached; otherwise a result without a value.</returns>
    /// <exception cref="ArgumentException"><paramref name="key"/> is null, empty or too long.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled while L2 was read.</exception>
    ValueTask<CacheResult<T>> TryGetAsync<T>(string key, CancellationToken cancellationToken = default);

    /// <summary>Stores a value in L1 and L2 and evicts the key from the L1 of every other instance.</summary>
    /// <typeparam name="T">The type of the value.</typeparam>
    /// <param name="key">The key.</param>
    /// <param name="value">The value.</param>
    /// <param name="options">The entry options; null uses <see cref="ScalableCachingOptions.DefaultEntryOptions"/>.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task that completes when the value is stored.</returns>
    /// <exception cref="ArgumentException"><paramref name="key"/> is null, empty or too long, or <paramref name="options"/> is invalid (for example a tag over 65,535 UTF-8 bytes).</exception>
    /// <exception cref="CachePayloadTooLargeException">An L2 is configured and the serialized value is larger than <see cref="ScalableCachingOptions.MaximumPayloadBytes"/>.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled while L2 was written; L1 holds the value, and the key is removed from L2 and the other instances once Redis answers.</exception>
    ValueTask SetAsync<T>(string key, T value, CacheEntryOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Removes a key from L1, L2 and the L1 of every other instance; while L2 is down the removal is queued and replayed.</summary>
    /// <param name="key">The key.</param>
    /// <param name="cancellationToken">Cancels the removal.</param>
    /// <returns>A task that completes when the key is removed.</returns>
    /// <exception cref="ArgumentException"><paramref name="key"/> is null, empty or too long.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled while L2 was written; the removal is applied to L1 and replayed to L2 and the other instances.</exception>
    ValueTask RemoveAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Removes a key, leaving out the levels the flags name: with <see cref="CacheEntryFlags.SkipL2Write"/> only this instance's L1 is evicted (L2 and the other instances keep the value).</summary>
    /// <param name="key">The key.</param>
    /// <param name="flags">The levels to leave out; only <see cref="CacheEntryFlags.SkipL2Write"/> changes a removal.</param>
    /// <param name="cancellationToken">Cancels the removal.</param>
    /// <returns>A task that completes when the key is removed.</returns>
    /// <exception cref="ArgumentException"><paramref name="key"/> is null, empty or too long.</exception>
    /// <exception cref="NotSupportedException">This implementation does not support flags other than <see cref="CacheEntryFlags.None"/> (added after 0.1; the built-in cache supports them).</exception>
    ValueTask RemoveAsync(string key, CacheEntryFlags flags, CancellationToken cancellationToken = default)
        => flags == CacheEntryFlags.None
            ? RemoveAsync(key, cancellationToken)
            : throw new NotSupportedException($"{GetType().Name} does not support removal flags ({flags}).");

    /// <summary>Invalidates every entry carrying a tag, in this instance and in every other one sharing the L2.</summary>
    /// <param name="tag">The tag.</param>
    /// <param name="cancellationToken">Cancels the removal.</param>
    /// <returns>A task that completes when the tag is invalidated.</returns>
    /// <exception cref="ArgumentException"><paramref name="tag"/> is null, empty or too long.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled while L2 was written; the removal is applied to L1 and replayed to L2 and the other instances.</exception>
    ValueTask RemoveByTagAsync(string tag, CancellationToken cancellationToken = default);
}
