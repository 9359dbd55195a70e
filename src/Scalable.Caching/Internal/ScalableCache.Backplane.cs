using StackExchange.Redis;

namespace Scalable.Caching.Internal;

// Notices from other instances: evict L1 on set/remove, record tag removals, wake lease waiters.
internal sealed partial class ScalableCache
{
    private static readonly TimeSpan SubscribeWait = TimeSpan.FromSeconds(5);

    private async Task SubscribeAsync()
    {
        try
        {
            await _backplane!.SubscribeAsync(OnMessage, text => Log.BadMessage(_logger, text, null)).ConfigureAwait(false);
        }
        catch (Exception error)
        {
            // StackExchange.Redis keeps the subscription and restores it when the connection comes back.
            _metrics.L2Error();
            Log.L2Failed(_logger, "subscribe", _options.KeyPrefix + "backplane", error);
        }
    }

    // The first miss waits for the subscription, so an instance that has computed a value also hears when another
    // instance changes it; no longer than an L2 call may take, so a dead or hung Redis does not hold it.
    private async Task EnsureSubscribedAsync(CancellationToken cancellationToken)
    {
        if (!_subscribed.IsCompleted)
        {
            var limit = _options.L2OperationTimeout == Timeout.InfiniteTimeSpan || _options.L2OperationTimeout > SubscribeWait ? SubscribeWait : _options.L2OperationTimeout;
            await _subscribed.WaitAsync(limit, _time, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private void OnMessage(BackplaneMessage message)
    {
        try
        {
            switch (message.Kind)
            {
                case BackplaneMessage.Set:
                    // A computation here keeps its callers (it may be waiting for this very value) but does not store.
                    // L1 may hold the very value announced (read from L2 before the notice came): it is evicted all the
                    // same and read again, as the stamp (a creation time, in ms) cannot tell two values apart.
                    _generations.Bump(message.Name);
                    _memory.Remove(message.Name);
                    WakeWaiter(message.Name);
                    break;
                case BackplaneMessage.Removed:
                    Changed(message.Name);
                    _memory.Remove(message.Name);
                    break;
                case BackplaneMessage.Tag:
                    RaiseTag(message.Name, message.StampMs, NowMs());
                    break;
                case BackplaneMessage.LeaseReleased:
                    WakeWaiter(message.Name);
                    break;
                default:
                    Log.BadMessage(_logger, message.Encode(), null);
                    break;
            }
        }
        catch (ObjectDisposedException)
        {
            // The cache was disposed while a notice was in flight.
        }
    }

    private async Task<bool> PublishAsync(char kind, string name, long stampMs, CancellationToken cancellationToken)
    {
        if (_backplane is null)
        {
            return true;
        }

        return !(await TryRedisAsync(() => _backplane.PublishAsync(kind, name, stampMs), "publish", name, cancellationToken).ConfigureAwait(false)).Failed;
    }

    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs e)
    {
        if (e.ConnectionType == ConnectionType.Subscription && _backplane is not null)
        {
            // Notices sent while we were unsubscribed are lost: revalidate what L1 held before now, against tag
            // stamps read again from L2.
            _tags.DistrustAll(NowMs());
            DistrustL1();
        }

        // The server answers again: stop skipping it, and once the other instances have had time to
        // resubscribe, re-apply and re-announce what it missed.
        _breaker.Reset();
        _ = ReplayAfterReconnectAsync();
    }

    private async Task ReplayAfterReconnectAsync()
    {
        try
        {
            await Task.Delay(_options.ReplayDelayAfterReconnect, _time, _disposing.Token).ConfigureAwait(false);
            await ReplayPendingAsync().ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }
}
