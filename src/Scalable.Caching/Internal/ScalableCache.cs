using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Scalable.Caching.Internal;

// The cache: construction and the public operations. The other parts of this partial class hold
// one concern each: .Flight (single-flight and computing), .Lease (fleet-wide single-flight),
// .Factory (timeouts and fail-safe), .L2 (guarded L2 access and replay), .Backplane (notices).
internal sealed partial class ScalableCache : IScalableCache, IDisposable
{
    private const string ValuePrefix = "v:";
    private const string TagPrefix = "t:";
    private const string LeasePrefix = "l:";

    // What L1 counts for a value other than a string or byte array when there is no L2 to serialize it for.
    private const int UnserializedEntryBytes = 1024;

    // The last moment DateTimeOffset can hold: a longer duration keeps its entry in L1 until then.
    private static readonly long LatestUnixMs = DateTimeOffset.MaxValue.ToUnixTimeMilliseconds();
    private readonly ConcurrentDictionary<string, object> _flights = new(StringComparer.Ordinal);
    private readonly ScalableCachingOptions _options;
    private readonly CacheEntryOptions _defaults;
    private readonly MemoryCache _memory;
    private readonly IScalableCacheSerializer _serializer;
    private readonly TimeProvider _time;
    private readonly WallClock _clock;
    private readonly ILogger _logger;
    private readonly CacheMetrics _metrics;
    private readonly TagStamps _tags;
    private readonly KeyGenerations _generations = new();
    private readonly IL2Store? _l2;
    private readonly RedisConnection? _redis;
    private readonly RedisLeases? _leases;
    private readonly RedisBackplane? _backplane;
    private readonly L2CircuitBreaker _breaker;
    private readonly PendingRemovals _pending;
    private readonly CancellationTokenSource _disposing = new();
    private readonly Task _subscribed = Task.CompletedTask;
    private int _backgroundRefreshes;

    // L1 entries stored before this moment (unix ms) may have missed notices while the backplane was
    // disconnected: they are not served as fresh but revalidated against L2 (and still usable as stale).
    private long _l1TrustedFromMs;

    public ScalableCache(
        ScalableCachingOptions options,
        IScalableCacheSerializer serializer,
        TimeProvider time,
        ILoggerFactory loggerFactory,
        IMeterFactory? meterFactory,
        IL2Store? l2,
        RedisConnection? redis)
    {
        _options = options;
        _defaults = options.DefaultEntryOptions;
        _serializer = serializer;
        _time = time;
        _clock = new WallClock(time);
        _logger = loggerFactory.CreateLogger("Scalable.Caching");
        _metrics = new CacheMetrics(meterFactory);
        _memory = new MemoryCache(new MemoryCacheOptions { SizeLimit = options.L1SizeLimitBytes });
        _breaker = new L2CircuitBreaker(options.L2CircuitBreakerFailureThreshold, options.L2CircuitBreakerBreakDuration, time);
        _pending = new PendingRemovals(options.MaximumPendingRemovals);
        _redis = redis;
        _l2 = l2 ?? (redis is null ? null : new RedisL2Store(redis, options.KeyPrefix, options.KeyRemovalRetention));
        InstanceId = Guid.NewGuid().ToString("N");
        if (redis is not null)
        {
            if (options.EnableDistributedSingleFlight)
            {
                _leases = new RedisLeases(redis, options.KeyPrefix + LeasePrefix);
            }

            if (options.EnableBackplane)
            {
                _backplane = new RedisBackplane(redis, options.KeyPrefix + "backplane", InstanceId);
                _subscribed = SubscribeAsync();
            }

            redis.Multiplexer.ConnectionRestored += OnConnectionRestored;
        }

        // Without a backplane nothing tells this instance of another's tag removal: known stamps age and are read again.
        _tags = new TagStamps(_l2 is not null && _backplane is null ? (long)options.TagStampMaxAge.TotalMilliseconds : long.MaxValue);
    }

    public string InstanceId { get; }

    internal Meter Meter => _metrics.Meter;

    internal int PendingRemovalCount => _pending.Count;

    internal int L1Count => _memory.Count;

    public ValueTask<CacheResult<T>> GetOrCreateEntryAsync<TState, T>(
        string key,
        TState state,
        Func<TState, CacheFactoryContext, CancellationToken, ValueTask<T>> factory,
        CacheEntryOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        KeyGuard.Validate(key, _options.MaximumKeyLength, nameof(key));
        ArgumentNullException.ThrowIfNull(factory);
        options ??= _defaults;
        return TryHitL1(key, state, factory, options, out CacheResult<T> hit)
            ? new ValueTask<CacheResult<T>>(hit)
            : JoinOrStartAsync(key, state, factory, options, cancellationToken);
    }

    // GetOrCreateEntryAsync for callers that want the value only (the extensions and the HybridCache entry point):
    // an L1 hit completes synchronously without wrapping a CacheResult in a second ValueTask.
    internal ValueTask<T> GetOrCreateValueAsync<TState, T>(
        string key,
        TState state,
        Func<TState, CacheFactoryContext, CancellationToken, ValueTask<T>> factory,
        CacheEntryOptions? options,
        CancellationToken cancellationToken)
    {
        KeyGuard.Validate(key, _options.MaximumKeyLength, nameof(key));
        ArgumentNullException.ThrowIfNull(factory);
        options ??= _defaults;
        return TryHitL1(key, state, factory, options, out CacheResult<T> hit)
            ? new ValueTask<T>(hit.Value)
            : ValueOfAsync(JoinOrStartAsync(key, state, factory, options, cancellationToken));
    }

    public async ValueTask<CacheResult<T>> TryGetAsync<T>(string key, CancellationToken cancellationToken = default)
    {
        KeyGuard.Validate(key, _options.MaximumKeyLength, nameof(key));
        if (FreshInL1(key, CacheEntryFlags.None, out _) is { } fresh && fresh.TryRead(out CacheResult<T> hit))
        {
            _metrics.L1Hit();
            return hit;
        }

        var fromL2 = await ReadL2Async<T>(key, cancellationToken).ConfigureAwait(false);
        if (fromL2 is { } found && found.Entry.Meta.IsFresh(NowMs()))
        {
            _metrics.L2Hit();
            StoreL1(key, found.Entry);
            return found.Entry.ToResult<T>(isStale: false);
        }

        _metrics.Miss();
        return CacheResult<T>.None;
    }

    public async ValueTask SetAsync<T>(string key, T value, CacheEntryOptions? options = null, CancellationToken cancellationToken = default)
    {
        KeyGuard.Validate(key, _options.MaximumKeyLength, nameof(key));
        options = Checked(options);
        var now = NowMs();
        var meta = NewMeta(hasValue: true, now, now, options.Duration, options, deltaMs: 0);
        var (bytes, size) = Encode(key, value, meta);
        Changed(key);
        if ((options.Flags & CacheEntryFlags.SkipL1Write) == 0)
        {
            StoreL1(key, new L1Entry(value, meta, size));
        }
        else
        {
            _memory.Remove(key);
        }

        if (_l2 is not null && (options.Flags & CacheEntryFlags.SkipL2Write) == 0)
        {
            // If this does not get through, L2 or the other instances still hold the value this set replaced: it is removed everywhere once Redis answers.
            await WriteAndAnnounceAsync(isTag: false, BackplaneMessage.Set, key, now, ct => WriteL2Async(key, bytes, meta, ct), cancellationToken).ConfigureAwait(false);
        }
    }

    public ValueTask RemoveAsync(string key, CancellationToken cancellationToken = default)
        => RemoveAsync(key, CacheEntryFlags.None, cancellationToken);

    public async ValueTask RemoveAsync(string key, CacheEntryFlags flags, CancellationToken cancellationToken = default)
    {
        KeyGuard.Validate(key, _options.MaximumKeyLength, nameof(key));
        Changed(key);
        _memory.Remove(key);
        var now = NowMs();
        if (_l2 is null || (flags & CacheEntryFlags.SkipL2Write) != 0)
        {
            return;
        }

        await WriteAndAnnounceAsync(isTag: false, BackplaneMessage.Removed, key, now, ct => RemoveL2Async(key, now, ct), cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask RemoveByTagAsync(string tag, CancellationToken cancellationToken = default)
    {
        KeyGuard.Validate(tag, _options.MaximumKeyLength, nameof(tag));
        var now = NowMs();
        RaiseTag(tag, now, now);
        if (_l2 is null)
        {
            return;
        }

        await WriteAndAnnounceAsync(isTag: true, BackplaneMessage.Tag, tag, now, ct => WriteTagStampAsync(tag, now, ct), cancellationToken).ConfigureAwait(false);
    }

    public void Dispose()
    {
        if (_disposing.IsCancellationRequested)
        {
            return;
        }

        _disposing.Cancel();
        ReleaseHeldLeases();
        var dropped = _pending.Count;
        if (dropped > 0)
        {
            // Nothing replays them after this, so say how many removals the fleet will never hear of.
            Log.PendingDroppedOnDispose(_logger, dropped);
        }

        if (_redis is not null)
        {
            _redis.Multiplexer.ConnectionRestored -= OnConnectionRestored;
            if (_backplane is not null)
            {
                _ = IgnoreFailureAsync(_backplane.UnsubscribeAsync);
            }

            _redis.Dispose();
        }

        _memory.Dispose();
        _metrics.Dispose();
    }

    internal void EvictLocal(string key) => _memory.Remove(key);

    // A set or removal made here: what is being read or computed for the key is not stored after it, and callers
    // arriving from now on start afresh rather than join a computation that began before the change.
    private void Changed(string key)
    {
        _generations.Bump(key);
        _flights.TryRemove(key, out _);
    }

    // From now on, entries L1 holds are revalidated against L2 (or recomputed) before being served as fresh.
    private void DistrustL1() => Interlocked.Exchange(ref _l1TrustedFromMs, NowMs() + 1);

    private void RaiseTag(string tag, long stampMs, long checkedMs)
    {
        if (!_tags.Raise(tag, stampMs, checkedMs))
        {
            DistrustL1();
        }
    }

    private long NowMs() => _clock.NowMs();

    private CacheEntryOptions Checked(CacheEntryOptions? options)
    {
        if (options is null)
        {
            return _defaults;
        }

        if (!ReferenceEquals(options, _defaults))
        {
            EntryOptionsValidator.ThrowIfInvalid(options);
        }

        return options;
    }

    private L1Entry? FreshFromL1<T>(string key)
        => FreshInL1(key, CacheEntryFlags.None, out _) is { } entry && entry.Holds<T>() ? entry : null;

    // The L1 entry this call may serve as fresh; null when there is none or the call skips L1. nowMs is the time it
    // was judged at, or 0 for a plain entry: MemoryCache has just checked its expiry (its logical one) against the
    // wall clock, so no clock is read here (a clock read costs about as much as the rest of the hit). Not generic:
    // in shared generic code a type test is a runtime lookup, so the hit path makes only the one in L1Entry.TryRead.
    private L1Entry? FreshInL1(string key, CacheEntryFlags flags, out long nowMs)
    {
        nowMs = 0;
        if ((flags & CacheEntryFlags.SkipL1Read) != 0 || !_memory.TryGetValue(key, out var raw) || raw is not L1Entry entry
            || entry.StoredMs < Volatile.Read(ref _l1TrustedFromMs))
        {
            return null;
        }

        if (entry.IsPlain)
        {
            return entry;
        }

        nowMs = NowMs();
        return entry.Meta.IsFresh(nowMs) && (entry.Meta.Tags.Length == 0 || !_tags.IsInvalidLocally(entry.Meta, nowMs)) ? entry : null;
    }

    // An L1 hit: counted, and an early refresh started in the background when XFetch draws one (the clock is read for
    // that only when the entry's factory time and the call's beta make a draw possible). False sends the call to
    // JoinOrStartAsync, which looks at L1 again once it knows no computation is under way.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool TryHitL1<TState, T>(string key, TState state, Func<TState, CacheFactoryContext, CancellationToken, ValueTask<T>> factory, CacheEntryOptions options, out CacheResult<T> hit)
    {
        if (FreshInL1(key, options.Flags, out var now) is not { } entry || !entry.TryRead(out hit))
        {
            hit = default;
            return false;
        }

        _metrics.L1Hit();
        if (!entry.IsStale && entry.Meta.DeltaMs > 0 && options.EarlyRefreshBeta > 0
            && ShouldRefreshEarly(entry.Meta, now == 0 ? NowMs() : now, options.EarlyRefreshBeta))
        {
            StartEarlyRefresh(key, state, factory, options, entry);
        }

        return true;
    }

    private static async ValueTask<T> ValueOfAsync<T>(ValueTask<CacheResult<T>> pending) => (await pending.ConfigureAwait(false)).Value;

    private L1Entry? StaleFromL1<T>(string key)
        => _memory.TryGetValue(key, out var raw) && raw is L1Entry entry && entry.Holds<T>()
            && entry.Meta.IsUsableStale(NowMs()) && !_tags.IsRemovedLocally(entry.Meta) ? entry : null;

    private void StoreL1(string key, L1Entry entry)
    {
        var ttl = entry.Meta.HardExpiryMs - NowMs();
        if (ttl <= 0)
        {
            return;
        }

        entry.StoredMs = NowMs();
        entry.IsPlain = _clock.IsSystem && !entry.IsStale && entry.Meta.Tags.Length == 0 && entry.Meta.HardExpiryMs == entry.Meta.LogicalExpiryMs;
        using var cacheEntry = _memory.CreateEntry(key);
        cacheEntry.Value = entry;
        cacheEntry.Size = entry.Size + (key.Length * 2) + 64;
        if (_clock.IsSystem)
        {
            // MemoryCache reads the same wall clock: the entry leaves L1 exactly at its hard expiry, which a plain entry's hit relies on.
            cacheEntry.AbsoluteExpiration = DateTimeOffset.FromUnixTimeMilliseconds(Math.Min(entry.Meta.HardExpiryMs, LatestUnixMs));
        }
        else
        {
            cacheEntry.AbsoluteExpirationRelativeToNow = TimeSpan.FromMilliseconds(ttl);
        }
    }

    private EntryMeta NewMeta(bool hasValue, long createdMs, long finishedMs, TimeSpan duration, CacheEntryOptions options, int deltaMs)
    {
        var jitter = options.JitterMaxDuration > TimeSpan.Zero
            ? (long)(Random.Shared.NextDouble() * options.JitterMaxDuration.TotalMilliseconds)
            : 0;
        var logical = finishedMs + (long)duration.TotalMilliseconds + jitter;
        var hard = logical + (long)options.FailSafeMaxDuration.TotalMilliseconds;
        return new EntryMeta(hasValue, createdMs, logical, hard, deltaMs, options.Tags is { Count: > 0 } tags ? [.. tags] : []);
    }

    private static async Task IgnoreFailureAsync(Func<Task> operation)
    {
        try
        {
            await operation().ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Best effort: the connection may already be gone.
        }
    }
}
