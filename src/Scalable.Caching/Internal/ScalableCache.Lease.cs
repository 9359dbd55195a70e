using System.Collections.Concurrent;

namespace Scalable.Caching.Internal;

// Fleet-wide single-flight: the instance that wins the Redis lease computes; the others wait for its
// "set" notice (or for the lease to expire if its holder died), bounded by LeaseWaitTimeout.
// A waiter looks again at least every LeaseRecheck: if Redis died or hangs, no notice can come, and the
// look (a lease call that fails) sends it to compute locally instead of waiting out the lease.
internal sealed partial class ScalableCache
{
    private static readonly TimeSpan ExpiryMargin = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan LeaseGoneRetry = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan LeaseRecheck = TimeSpan.FromSeconds(1);
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _leaseWaiters = new(StringComparer.Ordinal);

    // The leases this instance holds (key to token), so that Dispose can release those of factories still running.
    private readonly ConcurrentDictionary<string, string> _heldLeases = new(StringComparer.Ordinal);

    // Done: the flight is already complete (value adopted or a refresh left to another instance).
    // Token: the lease to release after computing, or null when computing without one.
    private async Task<(bool Done, string? Token)> AcquireOrWaitAsync<T>(Flight<T> flight, string key, L1Entry? known, L1Entry? stale, TimeSpan softTimeout, CancellationToken token)
    {
        if (_leases is null || _breaker.IsOpen)
        {
            return (false, null);
        }

        var leaseToken = Guid.NewGuid().ToString("N");
        var started = _time.GetTimestamp();
        while (true)
        {
            var wake = RegisterWaiter(key);
            try
            {
                var acquired = await TryRedisAsync(() => _leases.TryAcquireAsync(key, leaseToken, _options.LeaseDuration), "lease acquire", key, token).ConfigureAwait(false);
                if (acquired.Failed)
                {
                    return (false, null);
                }

                // Whether we hold the lease or not, someone may have stored the value since our first read.
                if (await TryAdoptFromL2Async(flight, key, known, token).ConfigureAwait(false) is { Complete: true })
                {
                    if (acquired.Value)
                    {
                        await ReleaseLeaseAsync(key, leaseToken, wakeOthers: false).ConfigureAwait(false);
                    }

                    return (true, null);
                }

                if (acquired.Value)
                {
                    _heldLeases[key] = leaseToken;
                    return (false, leaseToken);
                }

                if (flight.IsBackground && known!.Meta.IsFresh(NowMs()))
                {
                    // Another instance is refreshing; keep serving what we have.
                    flight.Complete(known.ToResult<T>(isStale: false));
                    return (true, null);
                }

                var waited = _time.GetElapsedTime(started);
                if (stale is not null && softTimeout != Timeout.InfiniteTimeSpan && waited >= softTimeout && !flight.Completion.IsCompleted)
                {
                    // Soft timeout while another instance computes: callers take the stale value; we keep waiting to adopt the new one.
                    Log.SoftTimeout(_logger, key);
                    _metrics.StaleServed();
                    flight.Complete(stale.ToResult<T>(isStale: true));
                }

                var remaining = _options.LeaseWaitTimeout - waited;
                if (remaining <= TimeSpan.Zero)
                {
                    Log.LeaseWaitTimedOut(_logger, key, _options.LeaseWaitTimeout);
                    return (false, null);
                }

                var ttl = await TryRedisAsync(() => _leases.TimeToLiveAsync(key), "lease ttl", key, token).ConfigureAwait(false);
                var wait = ttl.Value is { } left ? left + ExpiryMargin : LeaseGoneRetry;
                wait = wait < remaining ? wait : remaining;
                wait = wait < LeaseRecheck ? wait : LeaseRecheck;
                if (stale is not null && softTimeout != Timeout.InfiniteTimeSpan && !flight.Completion.IsCompleted && softTimeout - waited < wait)
                {
                    wait = softTimeout - waited;
                }

                await WaitForWakeAsync(wake.Task, wait, token).ConfigureAwait(false);
            }
            finally
            {
                _leaseWaiters.TryRemove(new KeyValuePair<string, TaskCompletionSource>(key, wake));
            }
        }
    }

    private async Task WaitForWakeAsync(Task wake, TimeSpan wait, CancellationToken token)
    {
        using var delay = CancellationTokenSource.CreateLinkedTokenSource(token);
        await Task.WhenAny(wake, Task.Delay(wait, _time, delay.Token)).ConfigureAwait(false);
        await delay.CancelAsync().ConfigureAwait(false);
        token.ThrowIfCancellationRequested();
    }

    private TaskCompletionSource RegisterWaiter(string key)
    {
        var wake = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _leaseWaiters[key] = wake;
        return wake;
    }

    private void WakeWaiter(string key)
    {
        if (_leaseWaiters.TryRemove(key, out var wake))
        {
            wake.TrySetResult();
        }
    }

    // Keeps the lease alive while a long factory runs; stops when the factory ends. Stopping is the normal
    // end of every lease held (usually before the first renewal), so the cancelled delay is not thrown.
    private async Task RenewLeaseAsync(string key, string leaseToken, CancellationToken stop)
    {
        var period = _options.LeaseDuration / 3;
        try
        {
            while (true)
            {
                await Task.Delay(period, _time, stop).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                if (stop.IsCancellationRequested)
                {
                    return;
                }

                await TryRedisAsync(() => _leases!.RenewAsync(key, leaseToken, _options.LeaseDuration), "lease renew", key, CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception error)
        {
            Log.BackgroundFailed(_logger, key, error);
        }
    }

    private async Task ReleaseLeaseAsync(string key, string? leaseToken, bool wakeOthers)
    {
        if (leaseToken is null || _leases is null)
        {
            return;
        }

        var release = await TryRedisAsync(() => _leases.ReleaseAsync(key, leaseToken), "lease release", key, CancellationToken.None).ConfigureAwait(false);
        // A release skipped because the cache is being disposed leaves the lease listed: ReleaseHeldLeases releases it.
        if (!release.Failed || !_disposing.IsCancellationRequested)
        {
            _heldLeases.TryRemove(new KeyValuePair<string, string>(key, leaseToken));
        }

        if (wakeOthers)
        {
            await PublishAsync(BackplaneMessage.LeaseReleased, key, NowMs(), CancellationToken.None).ConfigureAwait(false);
        }
    }

    // On dispose (the host stops), the leases of factories still running here are released, so the other instances compute
    // at once instead of waiting for a holder that is gone. Bounded by L2OperationTimeout; a lease not released by then expires.
    private void ReleaseHeldLeases()
    {
        if (_leases is null || _heldLeases.IsEmpty || _breaker.IsOpen)
        {
            return;
        }

        var releases = _heldLeases.Select(held => (held.Key, Task: _leases.ReleaseAsync(held.Key, held.Value))).ToArray();
        var bound = _options.L2OperationTimeout == Timeout.InfiniteTimeSpan || _options.L2OperationTimeout > _options.LeaseDuration
            ? _options.LeaseDuration
            : _options.L2OperationTimeout;
        try
        {
            Task.WaitAll(releases.Select(r => (Task)r.Task).ToArray(), bound);
        }
        catch (AggregateException)
        {
            // Logged per lease below.
        }

        foreach (var (key, task) in releases)
        {
            if (task is { IsFaulted: true, Exception: { } error })
            {
                Log.L2Failed(_logger, "lease release", key, error.GetBaseException());
            }
        }

        _heldLeases.Clear();
    }
}
