using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Polly.CircuitBreaker;
using Scalable.Resilience.Internal;
using StackExchange.Redis;

namespace Scalable.Resilience;

/// <summary>Shares one circuit breaker's open state between instances through Redis: while any instance's breaker is open on its own, the others reject calls too, and they close when its half-open probe succeeds.</summary>
public sealed class SharedCircuitBreaker : IAsyncDisposable, IDisposable
{
    // How long IsolateAsync, CloseAsync and DisposeAsync wait for Redis, and how often a failed WithRedis factory is retried.
    private static readonly TimeSpan RedisWait = TimeSpan.FromSeconds(1);

    // How long a follower waits past the expiry of the last opener's entry before it reads the state again: the opener
    // renews its entry when it probes, and its message needs a moment to arrive.
    private static readonly TimeSpan RemoteGrace = TimeSpan.FromSeconds(2);
    private readonly RedisConnectionSource _redis;
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stopping = new();

    // Orders the changes this instance applies to its own breakers (follow, stop following, reset).
    private readonly SemaphoreSlim _applying = new(1, 1);
    private readonly RedisChannel _channel;
    private readonly RedisKey[] _stateKey;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly string _instanceId = Guid.NewGuid().ToString("N");
    private readonly object _gate = new();
    private readonly Action<RedisChannel, RedisValue> _handler;
    private readonly ResilienceMetrics _metrics;
    private readonly bool _ownsMetrics;
    private ITimer? _checkTimer;
    private bool _disposed;
    private bool _following;
    private int _openOnTheirOwn;
    private int _checksCompleted;
    private long _breakDurationTicks;
    private int _stateProviderTaken;

    /// <summary>Creates a shared breaker and starts listening for the other instances' state changes.</summary>
    /// <param name="redis">The Redis connection that carries the state.</param>
    /// <param name="name">The breaker name shared by every instance that should break together.</param>
    /// <param name="timeProvider">The clock for remote break durations (default <see cref="TimeProvider.System"/>).</param>
    /// <param name="logger">The logger (default none).</param>
    /// <param name="keyPrefix">The prefix of the Redis key and channel (default "scalable:cb:").</param>
    /// <param name="meterFactory">The factory of the Scalable.Resilience meter (default a meter of the breaker's own, disposed with it).</param>
    /// <exception cref="ArgumentNullException"><paramref name="redis"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="name"/> is null or empty.</exception>
    public SharedCircuitBreaker(IConnectionMultiplexer redis, string name, TimeProvider? timeProvider = null, ILogger? logger = null, string keyPrefix = "scalable:cb:", IMeterFactory? meterFactory = null)
        : this(new RedisConnectionSource(redis ?? throw new ArgumentNullException(nameof(redis))), name, timeProvider, logger, keyPrefix, new ResilienceMetrics(meterFactory), ownsMetrics: true)
    {
    }

    // For WithRedis, whose connection may not exist yet: the breaker works locally until it does.
    internal SharedCircuitBreaker(RedisConnectionSource redis, string name, TimeProvider? timeProvider, ILogger? logger, string keyPrefix, ResilienceMetrics metrics, bool ownsMetrics)
    {
        _metrics = metrics;
        _ownsMetrics = ownsMetrics;
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(keyPrefix);
        _redis = redis;
        Name = name;
        _timeProvider = timeProvider ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
        _channel = new RedisChannel(keyPrefix + name, RedisChannel.PatternMode.Literal);
        _stateKey = [keyPrefix + "{" + name + "}:openers"];
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

    /// <summary>Wires the shared state into circuit-breaker options: manual control, state provider and the open, half-open and close callbacks (existing callbacks still run).</summary>
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

        var openOnItsOwn = new StrongBox<int>();
        var opened = options.OnOpened;
        var halfOpened = options.OnHalfOpened;
        var closed = options.OnClosed;
        options.OnOpened = async args =>
        {
            if (!args.IsManual)
            {
                OpenedOnItsOwn(openOnItsOwn, args.BreakDuration);
            }

            if (opened is not null)
            {
                await opened(args).ConfigureAwait(false);
            }
        };
        options.OnHalfOpened = async args =>
        {
            // The probe may take a while: the entry is renewed so that the followers wait for its result.
            if (Volatile.Read(ref openOnItsOwn.Value) == 1)
            {
                _ = ChangeAsync("open", BreakDuration, null, CancellationToken.None);
            }

            if (halfOpened is not null)
            {
                await halfOpened(args).ConfigureAwait(false);
            }
        };
        options.OnClosed = async args =>
        {
            ClosedLocally(openOnItsOwn, args.IsManual);
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
        await ChangeAsync("isolate", null, SharedBreakerMessage.Isolate(_instanceId), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Closes the breaker on every instance, ending an isolation or a shared break; waits at most one second for Redis, which carries the message on when it can.</summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task that completes when this instance is closed and the others were told (or Redis did not answer within a second).</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task CloseAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        await ApplyAsync(SharedState.Closed, reset: true).ConfigureAwait(false);
        await ChangeAsync("reset", null, SharedBreakerMessage.Reset(_instanceId), cancellationToken).ConfigureAwait(false);
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

    private TimeSpan BreakDuration => TimeSpan.FromTicks(Volatile.Read(ref _breakDurationTicks));

    private void OpenedOnItsOwn(StrongBox<int> openOnItsOwn, TimeSpan breakDuration)
    {
        Volatile.Write(ref _breakDurationTicks, breakDuration.Ticks);
        if (Interlocked.Exchange(ref openOnItsOwn.Value, 1) == 0)
        {
            Interlocked.Increment(ref _openOnTheirOwn);
        }

        // Opened from closed, or again after a failed probe: either way the followers wait another break duration.
        _ = ChangeAsync("open", breakDuration, SharedBreakerMessage.Open(_instanceId, breakDuration), CancellationToken.None);
    }

    // Only the last of this instance's breakers to close takes its entry out of the shared state; the others close only
    // when no opener is left. A manual close (following, or CloseAsync) tells nobody: whoever caused it already did.
    private void ClosedLocally(StrongBox<int> openOnItsOwn, bool manual)
    {
        if (Interlocked.Exchange(ref openOnItsOwn.Value, 0) == 0 || Interlocked.Decrement(ref _openOnTheirOwn) > 0)
        {
            return;
        }

        _ = ChangeAsync("leave", null, manual ? null : SharedBreakerMessage.Close(_instanceId), CancellationToken.None, follow: !manual);
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
            await CheckAsync().ConfigureAwait(false);
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

    // Changes the shared state and tells the others, waiting for Redis at most RedisWait (the commands stay queued in the
    // client and reach Redis when it answers); only the caller's own cancellation escapes. With follow, this instance then
    // follows the openers still left.
    private async Task ChangeAsync(string change, TimeSpan? breakDuration, string? message, CancellationToken cancellationToken, bool follow = false)
    {
        if (_redis.Current is not { } redis)
        {
            Log.SharedBreakerRedisFailed(_logger, new InvalidOperationException("Redis is not connected yet."), Name);
            return;
        }

        try
        {
            var state = await ChangeCoreAsync(redis, change, breakDuration, message).WaitAsync(RedisWait, _timeProvider, cancellationToken).ConfigureAwait(false);
            if (follow)
            {
                await ApplyAsync(state).ConfigureAwait(false);
            }
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Log.SharedBreakerRedisFailed(_logger, exception, Name);
        }
    }

    private async Task<SharedState> ChangeCoreAsync(IConnectionMultiplexer redis, string change, TimeSpan? breakDuration, string? message)
    {
        RedisValue[] arguments = [change, _instanceId, (long)Math.Ceiling((breakDuration ?? TimeSpan.Zero).TotalMilliseconds)];
        var result = (RedisResult[])(await SharedBreakerScripts.Change.EvaluateAsync(redis.GetDatabase(), _stateKey, arguments).ConfigureAwait(false))!;
        if (message is not null)
        {
            await redis.GetSubscriber().PublishAsync(_channel, message).ConfigureAwait(false);
        }

        return new SharedState((long)result[0], (long)result[1]);
    }

    // How many reads of the shared state have been followed (tests wait on it before moving a fake clock on, so that a
    // read still in flight is not timed out by the jump).
    internal int ChecksCompleted => Volatile.Read(ref _checksCompleted);

    // Reads the shared state and follows it. Without an answer the break ends here, as a local one would.
    private async Task CheckAsync()
    {
        var state = SharedState.Closed;
        try
        {
            if (_redis.Current is { } redis)
            {
                state = await ChangeCoreAsync(redis, "read", null, null).WaitAsync(RedisWait, _timeProvider).ConfigureAwait(false);
            }
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            Log.SharedBreakerRedisFailed(_logger, exception, Name);
        }

        await ApplyAsync(state).ConfigureAwait(false);
        Interlocked.Increment(ref _checksCompleted);
    }

    private void OnMessage(RedisValue value)
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
        _metrics.RecordBreakerTransition(Name, "remote_" + message.Verb);
        _ = message.Verb switch
        {
            // Follows at once; the timer reads the state once the opener's entry would have expired.
            SharedBreakerMessage.OpenVerb => ApplyAsync(new SharedState(1, (long)(message.BreakDuration ?? TimeSpan.Zero).TotalMilliseconds)),
            SharedBreakerMessage.IsolateVerb => ApplyAsync(SharedState.IsolatedUntilReset),
            SharedBreakerMessage.ResetVerb => ApplyAsync(SharedState.Closed, reset: true),
            _ => CheckAsync(),
        };
    }

    // Runs on the Redis client's callback thread or a timer: never throws, so no task is left unobserved. An instance whose
    // own breaker is open keeps deciding by itself (it probes), except for a manual isolation.
    private async Task ApplyAsync(SharedState state, bool reset = false)
    {
        try
        {
            await _applying.WaitAsync(_stopping.Token).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is OperationCanceledException or ObjectDisposedException)
        {
            return;
        }

        try
        {
            if (reset)
            {
                // CloseAsync on another instance closes every breaker, including one open on its own.
                StopCheckTimer();
                _following = false;
                await ManualControl.CloseAsync().ConfigureAwait(false);
                return;
            }

            if (state.Openers == 0)
            {
                StopCheckTimer();
                if (_following)
                {
                    _following = false;
                    await ManualControl.CloseAsync().ConfigureAwait(false);
                }

                return;
            }

            if (state.Isolated || Volatile.Read(ref _openOnTheirOwn) == 0)
            {
                if (!_following)
                {
                    _following = true;
                    await ManualControl.IsolateAsync().ConfigureAwait(false);
                }

                if (!state.Isolated)
                {
                    StartCheckTimer(TimeSpan.FromMilliseconds(state.RemainingMilliseconds) + RemoteGrace);
                }
            }
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            Log.SharedBreakerRedisFailed(_logger, exception, Name);
        }
        finally
        {
            _applying.Release();
        }
    }

    private void StartCheckTimer(TimeSpan due)
    {
        var timer = _timeProvider.CreateTimer(_ => _ = CheckAsync(), null, due, Timeout.InfiniteTimeSpan);
        Interlocked.Exchange(ref _checkTimer, timer)?.Dispose();
        lock (_gate)
        {
            if (_disposed)
            {
                StopCheckTimer();
            }
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

        StopCheckTimer();
        _stopping.Cancel();
        _stopping.Dispose();
        if (_ownsMetrics)
        {
            _metrics.Dispose();
        }

        return true;
    }

    private void StopCheckTimer() => Interlocked.Exchange(ref _checkTimer, null)?.Dispose();

    private readonly record struct SharedState(long Openers, long RemainingMilliseconds)
    {
        public static readonly SharedState Closed = new(0, 0);

        public static readonly SharedState IsolatedUntilReset = new(1, -1);

        public bool Isolated => RemainingMilliseconds < 0;
    }
}
