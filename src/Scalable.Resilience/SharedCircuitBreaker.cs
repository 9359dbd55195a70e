using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Polly.CircuitBreaker;
using Scalable.Resilience.Internal;
using StackExchange.Redis;

namespace Scalable.Resilience;

/// <summary>Shares one circuit breaker's open state between instances through Redis: when one instance opens it, the others reject calls too until the break ends.</summary>
public sealed class SharedCircuitBreaker : IAsyncDisposable, IDisposable
{
    // How long IsolateAsync, CloseAsync and DisposeAsync wait for Redis, and how often a failed WithRedis factory is retried.
    private static readonly TimeSpan RedisWait = TimeSpan.FromSeconds(1);
    private readonly RedisConnectionSource _redis;
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stopping = new();
    private readonly RedisChannel _channel;
    private readonly RedisKey _stateKey;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly string _instanceId = Guid.NewGuid().ToString("N");
    private readonly object _gate = new();
    private readonly Action<RedisChannel, RedisValue> _handler;
    private ITimer? _remoteBreakTimer;
    private bool _disposed;
    private int _stateProviderTaken;

    /// <summary>Creates a shared breaker and starts listening for the other instances' state changes.</summary>
    /// <param name="redis">The Redis connection that carries the state.</param>
    /// <param name="name">The breaker name shared by every instance that should break together.</param>
    /// <param name="timeProvider">The clock for remote break durations (default <see cref="TimeProvider.System"/>).</param>
    /// <param name="logger">The logger (default none).</param>
    /// <param name="keyPrefix">The prefix of the Redis key and channel (default "scalable:cb:").</param>
    /// <exception cref="ArgumentNullException"><paramref name="redis"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="name"/> is null or empty.</exception>
    public SharedCircuitBreaker(IConnectionMultiplexer redis, string name, TimeProvider? timeProvider = null, ILogger? logger = null, string keyPrefix = "scalable:cb:")
        : this(new RedisConnectionSource(redis ?? throw new ArgumentNullException(nameof(redis))), name, timeProvider, logger, keyPrefix)
    {
    }

    // For WithRedis, whose connection may not exist yet: the breaker works locally until it does.
    internal SharedCircuitBreaker(RedisConnectionSource redis, string name, TimeProvider? timeProvider = null, ILogger? logger = null, string keyPrefix = "scalable:cb:")
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(keyPrefix);
        _redis = redis;
        Name = name;
        _timeProvider = timeProvider ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
        _channel = new RedisChannel(keyPrefix + name, RedisChannel.PatternMode.Literal);
        _stateKey = keyPrefix + "{" + name + "}:state";
        _handler = (_, message) => OnMessage(message);
        _ = StartAsync();
    }

    /// <summary>Gets the breaker name.</summary>
    public string Name { get; }

    /// <summary>Gets the manual control wired into the breaker by <see cref="Apply{TResult}(CircuitBreakerStrategyOptions{TResult})"/>.</summary>
    public CircuitBreakerManualControl ManualControl { get; } = new();

    /// <summary>Gets the state provider wired into the first breaker by <see cref="Apply{TResult}(CircuitBreakerStrategyOptions{TResult})"/>.</summary>
    public CircuitBreakerStateProvider StateProvider { get; } = new();

    /// <summary>Gets a task that completes once the subscription is made and the current shared state is read, or once the first try failed (it never faults: without Redis the breaker stays local, and it keeps trying to connect in the background).</summary>
    public Task Ready => _ready.Task;

    /// <summary>Wires the shared state into non-generic circuit-breaker options (see <see cref="Apply{TResult}(CircuitBreakerStrategyOptions{TResult})"/>).</summary>
    /// <param name="options">The breaker options to change.</param>
    /// <returns>The same options.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is null.</exception>
    public CircuitBreakerStrategyOptions Apply(CircuitBreakerStrategyOptions options)
    {
        Apply<object>(options);
        return options;
    }

    /// <summary>Wires the shared state into circuit-breaker options: manual control, state provider and the open/close callbacks (existing callbacks still run).</summary>
    /// <typeparam name="TResult">The result type of the breaker.</typeparam>
    /// <param name="options">The breaker options to change.</param>
    /// <returns>The same options.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is null.</exception>
    public CircuitBreakerStrategyOptions<TResult> Apply<TResult>(CircuitBreakerStrategyOptions<TResult> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.ManualControl = ManualControl;
        // Polly lets one manual control drive many breakers, but a state provider watches only one: the first breaker gets it.
        if (Interlocked.Exchange(ref _stateProviderTaken, 1) == 0)
        {
            options.StateProvider = StateProvider;
        }

        var opened = options.OnOpened;
        var closed = options.OnClosed;
        options.OnOpened = async args =>
        {
            if (!args.IsManual)
            {
                Announce(SharedBreakerMessage.Open(_instanceId, args.BreakDuration), args.BreakDuration);
            }

            if (opened is not null)
            {
                await opened(args).ConfigureAwait(false);
            }
        };
        options.OnClosed = async args =>
        {
            if (!args.IsManual)
            {
                Announce(SharedBreakerMessage.Close(_instanceId), null);
            }

            if (closed is not null)
            {
                await closed(args).ConfigureAwait(false);
            }
        };
        return options;
    }

    /// <summary>Opens the breaker on every instance until <see cref="CloseAsync"/> is called; waits at most one second for Redis, which carries the message on when it can.</summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task that completes when this instance is isolated and the others were told (or Redis did not answer within a second).</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task IsolateAsync(CancellationToken cancellationToken = default)
    {
        await ManualControl.IsolateAsync(cancellationToken).ConfigureAwait(false);
        await PublishAsync(SharedBreakerMessage.Isolate(_instanceId), null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Closes the breaker on every instance, ending an isolation or a shared break; waits at most one second for Redis, which carries the message on when it can.</summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task that completes when this instance is closed and the others were told (or Redis did not answer within a second).</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task CloseAsync(CancellationToken cancellationToken = default)
    {
        StopRemoteBreakTimer();
        await ManualControl.CloseAsync(cancellationToken).ConfigureAwait(false);
        await PublishAsync(SharedBreakerMessage.Close(_instanceId), null, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (!StopListening())
        {
            return;
        }

        try
        {
            // Fire and forget: a synchronous dispose must not wait on Redis.
            _redis.Current?.GetSubscriber().Unsubscribe(_channel, _handler, CommandFlags.FireAndForget);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            Log.SharedBreakerRedisFailed(_logger, exception, Name);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (!StopListening())
        {
            return;
        }

        if (_redis.Current is not { } redis)
        {
            return;
        }

        try
        {
            await redis.GetSubscriber().UnsubscribeAsync(_channel, _handler).WaitAsync(RedisWait, _timeProvider).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            Log.SharedBreakerRedisFailed(_logger, exception, Name);
        }
    }

    // Never throws. A WithRedis factory that fails (Redis down at start) is tried again every RedisWait until the breaker
    // is disposed; once subscribed, the client restores the subscription by itself after a reconnect.
    private async Task StartAsync()
    {
        IConnectionMultiplexer? redis = null;
        while (redis is null)
        {
            try
            {
                redis = await _redis.ConnectAsync().ConfigureAwait(false);
            }
            catch (Exception exception)
            {
                Log.SharedBreakerRedisFailed(_logger, exception, Name);
                _ready.TrySetResult();
                try
                {
                    await Task.Delay(RedisWait, _timeProvider, _stopping.Token).ConfigureAwait(false);
                }
                catch (Exception stopped) when (stopped is OperationCanceledException or ObjectDisposedException)
                {
                    // Disposed meanwhile: stop trying.
                    return;
                }
            }
        }

        try
        {
            await redis.GetSubscriber().SubscribeAsync(_channel, _handler).ConfigureAwait(false);
            var state = await redis.GetDatabase().StringGetWithExpiryAsync(_stateKey).ConfigureAwait(false);
            if (state.Value.HasValue)
            {
                OnMessage(state.Value, state.Expiry);
            }
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            Log.SharedBreakerRedisFailed(_logger, exception, Name);
        }
        finally
        {
            _ready.TrySetResult();
        }
    }

    private void Announce(string message, TimeSpan? breakDuration) => _ = PublishAsync(message, breakDuration, CancellationToken.None);

    // Waits for Redis at most RedisWait (the commands stay queued in the client and reach Redis when it answers); only the
    // caller's own cancellation escapes.
    private async Task PublishAsync(string message, TimeSpan? breakDuration, CancellationToken cancellationToken)
    {
        if (_redis.Current is not { } redis)
        {
            Log.SharedBreakerRedisFailed(_logger, new InvalidOperationException("Redis is not connected yet."), Name);
            return;
        }

        try
        {
            await PublishCoreAsync(redis, message, breakDuration).WaitAsync(RedisWait, _timeProvider, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Log.SharedBreakerRedisFailed(_logger, exception, Name);
        }
    }

    private async Task PublishCoreAsync(IConnectionMultiplexer redis, string message, TimeSpan? breakDuration)
    {
        var db = redis.GetDatabase();
        if (message.StartsWith(SharedBreakerMessage.CloseVerb, StringComparison.Ordinal))
        {
            await db.KeyDeleteAsync(_stateKey).ConfigureAwait(false);
        }
        else
        {
            await db.StringSetAsync(_stateKey, message, breakDuration).ConfigureAwait(false);
        }

        await redis.GetSubscriber().PublishAsync(_channel, message).ConfigureAwait(false);
    }

    private void OnMessage(RedisValue value, TimeSpan? remaining = null)
    {
        if (!SharedBreakerMessage.TryParse(value, out var message) || message.InstanceId == _instanceId)
        {
            return;
        }

        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }
        }

        Log.SharedBreakerRemoteChange(_logger, Name, message.Verb);
        ResilienceMetrics.RecordBreakerTransition(Name, "remote_" + message.Verb);
        if (message.Verb == SharedBreakerMessage.CloseVerb)
        {
            StopRemoteBreakTimer();
            _ = ApplyRemoteAsync(isolate: false);
            return;
        }

        _ = ApplyRemoteAsync(isolate: true);
        var breakFor = remaining ?? message.BreakDuration;
        if (breakFor is { } duration)
        {
            // A remote break ends on its own, like a local one, so an instance that missed the close message still recovers.
            var timer = _timeProvider.CreateTimer(_ => _ = ApplyRemoteAsync(isolate: false), null, duration, Timeout.InfiniteTimeSpan);
            Interlocked.Exchange(ref _remoteBreakTimer, timer)?.Dispose();
        }
    }

    // Runs on the Redis client's callback thread or a timer: never throws, so no task is left unobserved.
    private async Task ApplyRemoteAsync(bool isolate)
    {
        try
        {
            await (isolate ? ManualControl.IsolateAsync() : ManualControl.CloseAsync()).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            Log.SharedBreakerRedisFailed(_logger, exception, Name);
        }
    }

    // Returns false if already stopped, so disposing twice is harmless.
    private bool StopListening()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return false;
            }

            _disposed = true;
        }

        StopRemoteBreakTimer();
        _stopping.Cancel();
        _stopping.Dispose();
        return true;
    }

    private void StopRemoteBreakTimer() => Interlocked.Exchange(ref _remoteBreakTimer, null)?.Dispose();
}
