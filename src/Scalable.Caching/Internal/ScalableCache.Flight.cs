namespace Scalable.Caching.Internal;

// In-process single-flight: one computation per key; everyone else awaits it.
internal sealed partial class ScalableCache
{
    private async ValueTask<CacheResult<T>> JoinOrStartAsync<TState, T>(
        string key,
        TState state,
        Func<TState, CacheFactoryContext, CancellationToken, ValueTask<T>> factory,
        CacheEntryOptions options,
        CancellationToken cancellationToken)
    {
        options = Checked(options);
        while (true)
        {
            var existing = _flights.TryGetValue(key, out var found) ? found : null;
            if (existing is Flight<T> running && running.TryJoin())
            {
                _metrics.Coalesced();
                return await running.WaitAsync(cancellationToken).ConfigureAwait(false);
            }

            // A flight stores into L1 before it leaves the table, so a caller that finds no flight
            // either comes first or finds the value here.
            var fresh = (options.Flags & CacheEntryFlags.SkipL1Read) == 0 ? FreshFromL1<T>(key) : null;
            if (fresh is not null)
            {
                _metrics.L1Hit();
                return fresh.ToResult<T>(fresh.IsStale);
            }

            var flight = new Flight<T>(background: false) { Flags = options.Flags };
            flight.TryJoin();
            var registered = existing is null ? _flights.TryAdd(key, flight) : _flights.TryUpdate(key, flight, existing);
            if (!registered)
            {
                flight.Dispose();
                continue;
            }

            var work = RunFlightAsync(flight, key, (context, ct) => factory(state, context, ct), options, known: null);
            if (options.FactorySoftTimeout != Timeout.InfiniteTimeSpan)
            {
                return await flight.WaitAsync(cancellationToken).ConfigureAwait(false);
            }

            // The caller that started the flight awaits the work itself rather than the completion source, saving a
            // thread-pool hop; that is only right when no soft timeout can complete the flight before the work ends.
            try
            {
                await (cancellationToken.CanBeCanceled ? work.WaitAsync(cancellationToken) : work).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                flight.Leave();
                throw;
            }

            return await flight.Completion.ConfigureAwait(false);
        }
    }

    private static bool ShouldRefreshEarly(in EntryMeta meta, long nowMs, double beta)
    {
        if (beta <= 0 || meta.DeltaMs <= 0)
        {
            return false;
        }

        // XFetch: refresh with probability exp(-remaining / (delta * beta)). Far from expiry that is
        // below e^-20 (about 2e-9), so most hits skip the random draw and the exponential.
        var scale = meta.DeltaMs * beta;
        var remaining = meta.LogicalExpiryMs - nowMs;
        return remaining < scale * 20 && Random.Shared.NextDouble() < Math.Exp(-remaining / scale);
    }

    private void StartEarlyRefresh<TState, T>(
        string key,
        TState state,
        Func<TState, CacheFactoryContext, CancellationToken, ValueTask<T>> factory,
        CacheEntryOptions options,
        L1Entry known)
    {
        if (_flights.ContainsKey(key))
        {
            return;
        }

        if (Interlocked.Increment(ref _backgroundRefreshes) > _options.MaximumBackgroundRefreshes)
        {
            Interlocked.Decrement(ref _backgroundRefreshes);
            return;
        }

        var flight = new Flight<T>(background: true) { Flags = options.Flags };
        if (!_flights.TryAdd(key, flight))
        {
            Interlocked.Decrement(ref _backgroundRefreshes);
            flight.Dispose();
            return;
        }

        _metrics.EarlyRefresh();
        _ = RunFlightAsync(flight, key, (context, ct) => factory(state, context, ct), options, known);
    }

    // The whole computation of a flight in one method (one state machine for the L2 hit path to allocate): L2 first,
    // then the fleet-wide lease, then the factory; whatever happens, the flight completes and leaves the table.
    private async Task RunFlightAsync<T>(Flight<T> flight, string key, Func<CacheFactoryContext, CancellationToken, ValueTask<T>> factory, CacheEntryOptions options, L1Entry? known)
    {
        try
        {
            if (flight.IsBackground)
            {
                // Early refresh starts on a read that must not wait for any of this.
                await Task.Yield();
            }

            var token = flight.Token;
            var stale = known ?? ((flight.Flags & CacheEntryFlags.SkipL1Read) == 0 ? StaleFromL1<T>(key) : null);
            if (_l2 is not null && (flight.Flags & CacheEntryFlags.SkipL2Read) == 0)
            {
                await EnsureSubscribedAsync(token).ConfigureAwait(false);
                // Adopt over the read itself rather than TryAdoptFromL2Async: one state machine less on the L2 hit path.
                if (Adopt(flight, key, known, await ReadL2Async<T>(key, token).ConfigureAwait(false)) is { } fromL2)
                {
                    if (fromL2.Complete)
                    {
                        return;
                    }

                    stale = Newer(stale, fromL2.Entry);
                }
            }

            if (!flight.IsBackground)
            {
                _metrics.Miss();
            }

            // Waiting for another instance's value makes sense only if this call reads L2, and taking the lease only if it writes there.
            var lease = (flight.Flags & CacheEntryFlags.SkipL2) != 0
                ? (Done: false, Token: null)
                : await AcquireOrWaitAsync(flight, key, known, stale, options.FactorySoftTimeout, token).ConfigureAwait(false);
            if (lease.Done)
            {
                return;
            }

            await RunFactoryAsync(flight, key, factory, options, stale, lease.Token).ConfigureAwait(false);
        }
        catch (Exception error)
        {
            if (flight.Completion.IsCompleted || flight.IsBackground)
            {
                Log.BackgroundFailed(_logger, key, error);
            }

            flight.Fail(error);
        }
        finally
        {
            if (!flight.Completion.IsCompleted)
            {
                flight.Fail(new InvalidOperationException($"The computation of '{key}' ended without a result."));
            }

            _flights.TryRemove(new KeyValuePair<string, object>(key, flight));
            if (flight.IsBackground)
            {
                Interlocked.Decrement(ref _backgroundRefreshes);
            }

            flight.Dispose();
        }
    }

    // Reads L2; when it holds a fresh value (newer than what a refresh already has), stores it in L1 and completes the flight.
    private async Task<(bool Complete, L1Entry Entry)?> TryAdoptFromL2Async<T>(Flight<T> flight, string key, L1Entry? known, CancellationToken token)
        => Adopt(flight, key, known, await ReadL2Async<T>(key, token).ConfigureAwait(false));

    private (bool Complete, L1Entry Entry)? Adopt<T>(Flight<T> flight, string key, L1Entry? known, (L1Entry Entry, int Size)? read)
    {
        if (read is not { } found)
        {
            return null;
        }

        var isNewer = known is null || found.Entry.Meta.CreatedMs > known.Meta.CreatedMs;
        if (found.Entry.Meta.IsFresh(NowMs()) && isNewer)
        {
            if ((flight.Flags & CacheEntryFlags.SkipL1Write) == 0)
            {
                StoreL1(key, found.Entry);
            }

            _metrics.L2Hit();
            flight.Complete(found.Entry.ToResult<T>(isStale: false));
            return (true, found.Entry);
        }

        return (false, found.Entry);
    }

    private L1Entry? Newer(L1Entry? current, L1Entry candidate)
        => candidate.Meta.IsUsableStale(NowMs()) && (current is null || candidate.Meta.CreatedMs > current.Meta.CreatedMs) ? candidate : current;
}
