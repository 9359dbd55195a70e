using System.Buffers.Binary;
using StackExchange.Redis;

namespace Scalable.Caching.Internal;

// Every L2 call goes through here: skipped while the breaker is open, bounded by L2OperationTimeout and the
// caller's token, failures logged and counted (and thrown only if ThrowOnL2Errors), removals that failed
// queued and replayed on recovery.
internal sealed partial class ScalableCache
{
    private int _replaying;

    // A set or removal of the key while L2 was read (here or, by its notice, elsewhere) wins over what the read returned,
    // and the read is made again rather than taken for a miss: on a miss the caller takes the fleet's lease and runs the
    // factory, although L2 may hold the newest value (the holder's "set" notice can land in the middle of a waiter's read,
    // just after the holder released its lease). A key changing under every one of three reads is a miss.
    private async Task<(L1Entry Entry, int Size)?> ReadL2Async<T>(string key, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            // A removal of this key has not reached L2 yet: what L2 holds is the removed value.
            if (_l2 is null || _pending.Contains(isTag: false, key))
            {
                return null;
            }

            var generation = _generations.Current(key);
            var read = await TryRedisAsync(
                static (s, ct) => s.Store.GetAsync(s.Key, ct), (Store: _l2, Key: ValuePrefix + key), "get", key, cancellationToken).ConfigureAwait(false);
            var found = read.Value is { } lease ? await DecodeL2Async<T>(key, lease, cancellationToken).ConfigureAwait(false) : null;
            if (_generations.Current(key) == generation)
            {
                return found;
            }

            if (attempt == 3)
            {
                return null;
            }
        }
    }

    // The value is deserialized straight from the client's pooled buffer, which goes back to the pool here.
    private async ValueTask<(L1Entry Entry, int Size)?> DecodeL2Async<T>(string key, Lease<byte> lease, CancellationToken cancellationToken)
    {
        using (lease)
        {
            if (!EntryFormat.TryRead(lease.Span, out var meta, out var offset))
            {
                Log.UnreadableEntry(_logger, key, null);
                return null;
            }

            if (!meta.IsUsableStale(NowMs()) || (meta.Tags.Length > 0 && await IsTagInvalidatedAsync(meta, cancellationToken).ConfigureAwait(false)))
            {
                return null;
            }

            object? value = null;
            if (meta.HasValue)
            {
                try
                {
                    value = _serializer.Deserialize<T>(lease.Span[offset..]);
                }
                catch (Exception error) when (error is not OperationCanceledException)
                {
                    Log.UnreadableEntry(_logger, key, error);
                    return null;
                }
            }

            var size = lease.Length - offset;
            return (new L1Entry(value, meta, size), size);
        }
    }

    // False when L2 did not take the value.
    private async Task<bool> WriteL2Async(string key, byte[] bytes, EntryMeta meta, CancellationToken cancellationToken)
    {
        var ttl = meta.HardExpiryMs - NowMs();
        if (_l2 is null || ttl <= 0)
        {
            return true;
        }

        return await TryL2Async(() => _l2.SetAsync(ValuePrefix + key, bytes, TimeSpan.FromMilliseconds(ttl), cancellationToken), "set", key, cancellationToken).ConfigureAwait(false);
    }

    // A factory's value: true when written, false when L2 holds an entry created at or after the factory's start
    // (another instance's set or removal whose notice has not arrived, or a value computed later), null when it failed.
    private async Task<bool?> WriteL2UnlessNewerAsync(string key, byte[] bytes, EntryMeta meta)
    {
        var ttl = meta.HardExpiryMs - NowMs();
        if (_l2 is null || ttl <= 0)
        {
            return true;
        }

        var written = await TryRedisAsync(() => _l2.SetUnlessNewerAsync(ValuePrefix + key, bytes, meta.CreatedMs, TimeSpan.FromMilliseconds(ttl), CancellationToken.None), "set", key, CancellationToken.None).ConfigureAwait(false);
        return written.Failed ? null : written.Value;
    }

    private Task<bool> RemoveL2Async(string key, long stampMs, CancellationToken cancellationToken)
        => TryL2Async(() => _l2!.RemoveAsync(ValuePrefix + key, stampMs, cancellationToken), "remove", key, cancellationToken);

    private async Task<bool> IsTagInvalidatedAsync(EntryMeta meta, CancellationToken cancellationToken)
    {
        foreach (var tag in meta.Tags)
        {
            var checkedMs = NowMs();
            if (!_tags.TryGetCurrent(tag, checkedMs, out var stamp))
            {
                var read = await TryRedisAsync(
                    static (s, ct) => s.Store.GetAsync(s.Key, ct), (Store: _l2!, Key: TagPrefix + tag), "tag get", tag, cancellationToken).ConfigureAwait(false);
                if (!read.Failed)
                {
                    using var lease = read.Value;
                    stamp = Math.Max(stamp, lease is { Length: 8 } ? BinaryPrimitives.ReadInt64LittleEndian(lease.Span) : 0);
                    RaiseTag(tag, stamp, checkedMs);
                }
                else if (_tags.Ages)
                {
                    // Without a backplane a failed read keeps the stamp known so far but counts as a check, so an
                    // outage does not send every read of a tagged entry to L2 (and to the factory) again.
                    RaiseTag(tag, stamp, checkedMs);
                }
            }

            if (meta.CreatedMs <= stamp)
            {
                return true;
            }
        }

        return false;
    }

    private Task<bool> WriteTagStampAsync(string tag, long stampMs, CancellationToken cancellationToken)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, stampMs);
        return TryL2Async(() => _l2!.SetAsync(TagPrefix + tag, bytes, _options.TagRemovalRetention, cancellationToken), "tag set", tag, cancellationToken);
    }

    private async Task<bool> TryL2Async(Func<Task> operation, string name, string key, CancellationToken cancellationToken)
        => !(await TryRedisAsync(async () => { await operation().ConfigureAwait(false); return true; }, name, key, cancellationToken).ConfigureAwait(false)).Failed;

    // The caller stops waiting after L2OperationTimeout or when its token is cancelled, whatever the client does:
    // StackExchange.Redis 2.x keeps a command in its backlog while disconnected, for its own 5 s timeout by default.
    private Task<(bool Failed, TResult? Value)> TryRedisAsync<TResult>(Func<Task<TResult>> operation, string name, string key, CancellationToken cancellationToken)
        => TryRedisAsync(static (operation, _) => operation(), operation, name, key, cancellationToken);

    // The operation takes its inputs as state, so the hot path (an L2 read) allocates no closure for it.
    private async Task<(bool Failed, TResult? Value)> TryRedisAsync<TState, TResult>(
        Func<TState, CancellationToken, Task<TResult>> operation, TState state, string name, string key, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (_disposing.IsCancellationRequested || !_breaker.TryPass())
        {
            return (true, default);
        }

        Task<TResult>? pending = null;
        try
        {
            pending = operation(state, cancellationToken);
            var result = _options.L2OperationTimeout == Timeout.InfiniteTimeSpan
                ? await pending.WaitAsync(cancellationToken).ConfigureAwait(false)
                : await pending.WaitAsync(_options.L2OperationTimeout, _time, cancellationToken).ConfigureAwait(false);
            if (_breaker.RecordSuccess())
            {
                _ = ReplayAfterReconnectAsync();
            }

            return (false, result);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The caller gave up; that says nothing about Redis, so it is neither logged nor counted against the breaker.
            throw;
        }
        catch (Exception error) when (error is not OperationCanceledException || !_disposing.IsCancellationRequested)
        {
            _metrics.L2Error();
            Log.L2Failed(_logger, name, key, error);
            if (_breaker.RecordFailure())
            {
                Log.BreakerOpened(_logger, _options.L2CircuitBreakerBreakDuration);
            }

            if (_options.ThrowOnL2Errors)
            {
                if (pending is { IsCompleted: false })
                {
                    throw new TimeoutException($"L2 {name} for '{key}' did not answer within {nameof(ScalableCachingOptions.L2OperationTimeout)} ({_options.L2OperationTimeout}).", error);
                }

                throw;
            }

            return (true, default);
        }
    }

    // Writes a change to L2 and tells the other instances. Whatever did not get through (a failure, or the caller
    // cancelling) leaves an old value somewhere, so the key or tag is queued as a removal and replayed once Redis answers.
    private async ValueTask WriteAndAnnounceAsync(bool isTag, char notice, string name, long stampMs, Func<CancellationToken, Task<bool>> write, CancellationToken cancellationToken)
    {
        var done = false;
        try
        {
            var written = await write(cancellationToken).ConfigureAwait(false);
            done = await PublishAsync(notice, name, stampMs, cancellationToken).ConfigureAwait(false) && written;
        }
        finally
        {
            if (!done)
            {
                QueueRemoval(isTag, name, stampMs);
            }
        }
    }

    private void QueueRemoval(bool isTag, string name, long stampMs)
    {
        if (!_pending.Add(isTag, name, stampMs))
        {
            Log.PendingDropped(_logger, _options.MaximumPendingRemovals, name);
        }

        // Keeps probing (once per break duration) until the removals are through, even if nothing else calls L2.
        _ = ReplayPendingAsync();
    }

    // Re-applies removals made while L2 was unreachable: delete the key or re-store the tag stamp,
    // and tell the other instances, which missed the notice too. Retries until done or disposed.
    // A removal queued while a loop is finishing finds it still running and leaves the work to it, so each
    // loop, once it has let go, looks again.
    private async Task ReplayPendingAsync()
    {
        while (_l2 is not null && _pending.Count > 0 && !_disposing.IsCancellationRequested && Interlocked.Exchange(ref _replaying, 1) == 0)
        {
            try
            {
                do
                {
                    await Task.Delay(_options.L2CircuitBreakerBreakDuration, _time, _disposing.Token).ConfigureAwait(false);
                }
                while (!await ReplayOnceAsync().ConfigureAwait(false));
            }
            catch (OperationCanceledException)
            {
            }
            catch (Exception error)
            {
                Log.BackgroundFailed(_logger, "(replay)", error);
            }
            finally
            {
                Interlocked.Exchange(ref _replaying, 0);
            }
        }
    }

    private async Task<bool> ReplayOnceAsync()
    {
        var items = _pending.Snapshot();
        if (items.Length == 0)
        {
            return true;
        }

        Log.Replaying(_logger, items.Length);
        foreach (var item in items)
        {
            var (isTag, name) = item.Key;
            var applied = isTag
                ? await WriteTagStampAsync(name, item.Value, CancellationToken.None).ConfigureAwait(false)
                : await RemoveL2Async(name, item.Value, CancellationToken.None).ConfigureAwait(false);
            var told = applied && await PublishAsync(isTag ? BackplaneMessage.Tag : BackplaneMessage.Removed, name, item.Value, CancellationToken.None).ConfigureAwait(false);
            if (!told)
            {
                return false;
            }

            _pending.Done(item);
        }

        return true;
    }
}
