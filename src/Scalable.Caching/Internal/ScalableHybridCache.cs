using Microsoft.Extensions.Caching.Hybrid;

namespace Scalable.Caching.Internal;

// HybridCache over the Scalable cache, so code written against HybridCache gets fleet-wide single-flight, the
// backplane and fail-safe. Expiration maps to Duration; LocalCacheExpiration has no counterpart (L1 keeps an entry
// as long as L2 does, and the backplane evicts it); the flags map to CacheEntryFlags; DisableCompression is moot.
internal sealed class ScalableHybridCache(ScalableCache cache, CacheEntryOptions defaults) : HybridCache
{
    public override ValueTask<T> GetOrCreateAsync<TState, T>(
        string key,
        TState state,
        Func<TState, CancellationToken, ValueTask<T>> factory,
        HybridCacheEntryOptions? options = null,
        IEnumerable<string>? tags = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(factory);
        return options?.Flags is { } given && given.HasFlag(HybridCacheEntryFlags.DisableUnderlyingData)
            ? cache.GetOrCreateValueAsync(key, 0, static (_, context, _) => Absent<T>(context), Map(options, tags), cancellationToken)
            : cache.GetOrCreateValueAsync(key, (state, factory), static (s, _, ct) => s.factory(s.state, ct), Map(options, tags), cancellationToken);
    }

    public override ValueTask SetAsync<T>(string key, T value, HybridCacheEntryOptions? options = null, IEnumerable<string>? tags = null, CancellationToken cancellationToken = default)
        => cache.SetAsync(key, value, Map(options, tags), cancellationToken);

    public override ValueTask RemoveAsync(string key, CancellationToken cancellationToken = default)
        => cache.RemoveAsync(key, cancellationToken);

    public override ValueTask RemoveByTagAsync(string tag, CancellationToken cancellationToken = default)
        => cache.RemoveByTagAsync(tag, cancellationToken);

    // The factory may not be called: nothing is computed and nothing is cached.
    private static ValueTask<T> Absent<T>(CacheFactoryContext context)
    {
        context.DoNotCache();
        return new ValueTask<T>(default(T)!);
    }

    private static CacheEntryFlags Map(HybridCacheEntryFlags flags)
        => (flags.HasFlag(HybridCacheEntryFlags.DisableLocalCacheRead) ? CacheEntryFlags.SkipL1Read : CacheEntryFlags.None)
            | (flags.HasFlag(HybridCacheEntryFlags.DisableLocalCacheWrite) ? CacheEntryFlags.SkipL1Write : CacheEntryFlags.None)
            | (flags.HasFlag(HybridCacheEntryFlags.DisableDistributedCacheRead) ? CacheEntryFlags.SkipL2Read : CacheEntryFlags.None)
            | (flags.HasFlag(HybridCacheEntryFlags.DisableDistributedCacheWrite) ? CacheEntryFlags.SkipL2Write : CacheEntryFlags.None);

    private CacheEntryOptions Map(HybridCacheEntryOptions? options, IEnumerable<string>? tags)
    {
        var flags = Map(options?.Flags ?? HybridCacheEntryFlags.None);
        if (options?.Expiration is null && flags == CacheEntryFlags.None && tags is null)
        {
            return defaults;
        }

        return defaults.With(options?.Expiration ?? defaults.Duration, flags, tags is null ? defaults.Tags : [.. tags]);
    }
}
