using System.Buffers;
using System.Diagnostics;
using System.Runtime.ExceptionServices;

namespace Scalable.Caching.Internal;

// Running the factory: hard timeout (cancel), soft timeout (serve stale, finish in the background),
// fail-safe (serve stale and throttle), then storing the result in L1 and L2 and telling the fleet.
internal sealed partial class ScalableCache
{
    private int _writesBehind;

    // Writes behind a factory's callers (L2 write, notice, lease release) not finished yet; tests wait for none.
    internal int WritesBehindInFlight => Volatile.Read(ref _writesBehind);

    private async Task RunFactoryAsync<T>(
        Flight<T> flight,
        string key,
        Func<CacheFactoryContext, CancellationToken, ValueTask<T>> factory,
        CacheEntryOptions options,
        L1Entry? stale,
        string? leaseToken)
    {
        using var hardTimeout = options.FactoryHardTimeout == Timeout.InfiniteTimeSpan ? null : new CancellationTokenSource(options.FactoryHardTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(flight.Token, _disposing.Token, hardTimeout?.Token ?? CancellationToken.None);
        using var stopRenewal = new CancellationTokenSource();
        var renewal = leaseToken is null ? Task.CompletedTask : RenewLeaseAsync(key, leaseToken, stopRenewal.Token);
        var context = new CacheFactoryContext(key, options.Duration, stale is not null);
        var generation = _generations.Current(key);
        var startedMs = NowMs();
        var started = _time.GetTimestamp();
        using var activity = CacheActivity.StartFactory(key, flight.IsBackground);
        var run = InvokeAsync(factory, context, linked.Token);
        if (stale is not null && options.FactorySoftTimeout != Timeout.InfiniteTimeSpan && !run.IsCompleted)
        {
            await ServeStaleAfterSoftTimeoutAsync(flight, key, run, options.FactorySoftTimeout, stale).ConfigureAwait(false);
        }

        T value;
        try
        {
            value = await AbandonedWhenCancelledAsync(key, run, linked.Token).ConfigureAwait(false);
        }
        catch (Exception error)
        {
            _metrics.FactoryRun(_time.GetElapsedTime(started).TotalSeconds, failed: true);
            activity?.SetStatus(ActivityStatusCode.Error, error.Message);
            await stopRenewal.CancelAsync().ConfigureAwait(false);
            await renewal.ConfigureAwait(false);
            await ReleaseLeaseAsync(key, leaseToken, wakeOthers: true).ConfigureAwait(false);
            var timedOut = hardTimeout?.IsCancellationRequested == true && !flight.Token.IsCancellationRequested;
            if (!flight.Token.IsCancellationRequested && TryServeFailSafe(flight, key, options, stale, error, generation))
            {
                return;
            }

            if (timedOut)
            {
                throw new TimeoutException(
                    $"The factory for key '{key}' did not finish within {nameof(CacheEntryOptions.FactoryHardTimeout)} ({options.FactoryHardTimeout}) and no stale value could be served.", error);
            }

            ExceptionDispatchInfo.Throw(error);
            throw;
        }

        var elapsed = _time.GetElapsedTime(started);
        _metrics.FactoryRun(elapsed.TotalSeconds, failed: false);
        await stopRenewal.CancelAsync().ConfigureAwait(false);
        await renewal.ConfigureAwait(false);
        await StoreComputedAsync(flight, key, value, context, options, startedMs, (int)Math.Min(int.MaxValue, elapsed.TotalMilliseconds), leaseToken, generation).ConfigureAwait(false);
    }

    // A factory that ignores its token must not hold callers: once the token is cancelled (hard timeout,
    // every caller gone, or dispose) the flight goes on without it. Its late result is dropped rather than
    // stored, so it can never overwrite a value computed after it was given up.
    private async Task<T> AbandonedWhenCancelledAsync<T>(string key, Task<T> run, CancellationToken token)
    {
        if (run.IsCompleted)
        {
            return await run.ConfigureAwait(false);
        }

        try
        {
            return await run.WaitAsync(token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested && !run.IsCompleted)
        {
            _ = ObserveAbandonedAsync(key, run);
            throw;
        }
    }

    private async Task ObserveAbandonedAsync<T>(string key, Task<T> run)
    {
        try
        {
            await run.ConfigureAwait(false);
            Log.AbandonedFactoryFinished(_logger, key);
        }
        catch (Exception)
        {
            // The factory was given up on at its cancellation; how it ends after that changes nothing.
        }
    }

    private static async Task<T> InvokeAsync<T>(Func<CacheFactoryContext, CancellationToken, ValueTask<T>> factory, CacheFactoryContext context, CancellationToken token)
        => await factory(context, token).ConfigureAwait(false);

    private async Task ServeStaleAfterSoftTimeoutAsync<T>(Flight<T> flight, string key, Task<T> run, TimeSpan softTimeout, L1Entry stale)
    {
        using var delay = new CancellationTokenSource();
        var first = await Task.WhenAny(run, Task.Delay(softTimeout, _time, delay.Token)).ConfigureAwait(false);
        if (first == run)
        {
            await delay.CancelAsync().ConfigureAwait(false);
            return;
        }

        Log.SoftTimeout(_logger, key);
        _metrics.StaleServed();
        flight.Complete(stale.ToResult<T>(isStale: true));
    }

    private bool TryServeFailSafe<T>(Flight<T> flight, string key, CacheEntryOptions options, L1Entry? stale, Exception error, long generation)
    {
        var now = NowMs();
        if (stale is null || options.FailSafeMaxDuration <= TimeSpan.Zero || !stale.Meta.IsUsableStale(now))
        {
            return false;
        }

        // Keep serving the stale value, without calling the failing factory, for the throttle period.
        var throttleEnd = Math.Min(now + (long)options.FailSafeThrottleDuration.TotalMilliseconds, stale.Meta.HardExpiryMs);
        if (_generations.Current(key) == generation && (options.Flags & CacheEntryFlags.SkipL1Write) == 0)
        {
            StoreL1(key, new L1Entry(stale.Value, stale.Meta with { LogicalExpiryMs = throttleEnd }, stale.Size, isStale: true));
        }

        Log.FailSafe(_logger, key, options.FailSafeThrottleDuration, error);
        _metrics.StaleServed();
        flight.Complete(stale.ToResult<T>(isStale: true));
        return true;
    }

    // The callers get the value as soon as it is in L1; the L2 write, the notice and the lease release follow
    // behind them, in that order, so a slow or hung Redis never holds the factory's own callers.
    private async Task StoreComputedAsync<T>(Flight<T> flight, string key, T value, CacheFactoryContext context, CacheEntryOptions options, long startedMs, int deltaMs, string? leaseToken, long generation)
    {
        if (context.IsDoNotCache || _generations.Current(key) != generation)
        {
            // Not cached, or the key was set or removed while the factory ran: that change wins over this value.
            Interlocked.Increment(ref _writesBehind);
            flight.Complete(context.IsNotFound ? CacheResult<T>.None : new CacheResult<T>(value, true, false));
            _ = WriteBehindAsync(key, write: null, leaseToken);
            return;
        }

        var now = NowMs();
        var hasValue = !context.IsNotFound;
        var meta = NewMeta(hasValue, startedMs, now, context.Duration, options, deltaMs);
        (byte[] Bytes, int Size) encoded;
        try
        {
            encoded = Encode(key, value, meta);
        }
        catch
        {
            await ReleaseLeaseAsync(key, leaseToken, wakeOthers: true).ConfigureAwait(false);
            throw;
        }

        var bytes = encoded.Bytes;
        var entry = new L1Entry(hasValue ? value : null, meta, encoded.Size);
        if ((options.Flags & CacheEntryFlags.SkipL1Write) == 0)
        {
            StoreL1(key, entry);
        }

        Interlocked.Increment(ref _writesBehind);
        flight.Complete(entry.ToResult<T>(isStale: false));
        if (_l2 is null || (options.Flags & CacheEntryFlags.SkipL2Write) != 0)
        {
            _ = WriteBehindAsync(key, write: null, leaseToken);
        }
        else
        {
            _ = WriteBehindAsync(key, async () =>
            {
                // A set or removal made here since the factory started is already in L2 (or queued): leave it.
                if (_generations.Current(key) != generation)
                {
                    return false;
                }

                // A set or removal made elsewhere since the factory started may not have reached us yet: L2 keeps it
                // (the write never replaces a newer entry), this value is not announced, and our own L1 copy goes, so
                // the next read here finds the newer entry even if its notice never comes.
                var written = await WriteL2UnlessNewerAsync(key, bytes, meta).ConfigureAwait(false);
                if (written != true)
                {
                    if (written == false)
                    {
                        EvictIfStill(key, entry);
                    }

                    return false;
                }

                await PublishAsync(BackplaneMessage.Set, key, meta.CreatedMs, CancellationToken.None).ConfigureAwait(false);
                return true;
            }, leaseToken);
        }
    }

    private void EvictIfStill(string key, L1Entry entry)
    {
        if (_memory.TryGetValue(key, out var held) && ReferenceEquals(held, entry))
        {
            _memory.Remove(key);
        }
    }

    // Failures are logged (and counted by the L2 calls); the lease is released whatever happened, once the write is over.
    private async Task WriteBehindAsync(string key, Func<Task<bool>>? write, string? leaseToken)
    {
        var announced = false;
        try
        {
            announced = write is not null && await write().ConfigureAwait(false);
        }
        catch (Exception error)
        {
            Log.BackgroundFailed(_logger, key, error);
        }

        try
        {
            // Without a "set" notice the waiting instances would sleep until the lease expires: wake them.
            await ReleaseLeaseAsync(key, leaseToken, wakeOthers: !announced).ConfigureAwait(false);
        }
        catch (Exception error)
        {
            Log.BackgroundFailed(_logger, key, error);
        }
        finally
        {
            Interlocked.Decrement(ref _writesBehind);
        }
    }

    // Without an L2 the bytes would never be read back, so the value is not serialized (nor held to MaximumPayloadBytes)
    // and L1 counts an estimate of its size instead: exact for strings and byte arrays, a flat amount for anything else.
    private (byte[] Bytes, int Size) Encode<T>(string key, T value, in EntryMeta meta)
    {
        if (_l2 is not null)
        {
            var bytes = Serialize(key, value, meta);
            return (bytes, bytes.Length);
        }

        var size = !meta.HasValue ? 0 : value switch
        {
            string text => text.Length * 2,
            byte[] raw => raw.Length,
            _ => UnserializedEntryBytes,
        };
        return ([], size);
    }

    private byte[] Serialize<T>(string key, T value, in EntryMeta meta)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        EntryFormat.WriteHeader(meta, buffer);
        var header = buffer.WrittenCount;
        if (meta.HasValue)
        {
            _serializer.Serialize(value, buffer);
        }

        var payload = buffer.WrittenCount - header;
        if (payload > _options.MaximumPayloadBytes)
        {
            throw new CachePayloadTooLargeException(
                $"The value for key '{key}' is {payload} bytes when serialized; the limit is {_options.MaximumPayloadBytes} bytes ({nameof(ScalableCachingOptions)}.{nameof(ScalableCachingOptions.MaximumPayloadBytes)}). It was not cached.");
        }

        return buffer.WrittenSpan.ToArray();
    }
}
