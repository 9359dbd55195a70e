using System.Threading.RateLimiting;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Scalable.Resilience.Internal;

namespace Scalable.Resilience;

/// <summary>A load-shedding concurrency limiter that raises and lowers its limit from measured latency (Vegas-style) and keeps a share of it for critical requests; it never queues, so excess is rejected at once.</summary>
public sealed class AdaptiveConcurrencyLimiter : RateLimiter
{
    private readonly AdaptiveConcurrencyLimiterOptions _options;
    private readonly VegasLimit _limit;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly ResilienceMetrics _metrics;
    private readonly bool _ownsMetrics;
    private readonly object _gate = new();
    private readonly string _reason;
    private int _currentLimit;
    private int _inFlight;
    private long _idleSince;
    private long _noLoadLearnedAt;
    private int _disposed;
    private long _successful;
    private long _failed;
    private int _windowSamples;
    private double _windowRttSum;
    private int _windowMaxInFlight;
    private bool _windowDropped;

    /// <summary>Creates the limiter.</summary>
    /// <param name="options">The limits and reserved share.</param>
    /// <param name="timeProvider">The clock that measures each request's latency (default <see cref="TimeProvider.System"/>).</param>
    /// <param name="logger">The logger for limit changes (default none).</param>
    /// <param name="meterFactory">The factory of the Scalable.Resilience meter (default a meter of the limiter's own, disposed with it).</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range; the message names it.</exception>
    public AdaptiveConcurrencyLimiter(AdaptiveConcurrencyLimiterOptions options, TimeProvider? timeProvider = null, ILogger? logger = null, IMeterFactory? meterFactory = null)
        : this(options, timeProvider, logger, new ResilienceMetrics(meterFactory), ownsMetrics: true)
    {
    }

    // For the registered limiters: the container's instruments.
    internal AdaptiveConcurrencyLimiter(AdaptiveConcurrencyLimiterOptions options, TimeProvider? timeProvider, ILogger? logger, ResilienceMetrics metrics, bool ownsMetrics)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _time = timeProvider ?? TimeProvider.System;
        _metrics = metrics;
        _ownsMetrics = ownsMetrics;
        _logger = logger ?? NullLogger.Instance;
        _limit = new VegasLimit(options.InitialLimit, options.MinLimit, options.MaxLimit);
        _currentLimit = options.InitialLimit;
        _reason = $"Adaptive limit '{options.Name}' reached; the request was shed.";
        _idleSince = _time.GetTimestamp();
        _noLoadLearnedAt = _idleSince;
        _metrics.RecordAdaptiveLimitChange(options.Name, _currentLimit);
    }

    /// <summary>Gets the current concurrency limit.</summary>
    public int CurrentLimit => Volatile.Read(ref _currentLimit);

    /// <summary>Gets how many permits are held right now.</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <inheritdoc />
    public override TimeSpan? IdleDuration => InFlight > 0 ? null : _time.GetElapsedTime(Volatile.Read(ref _idleSince));

    /// <summary>Gets a view of this limiter that admits requests of the given priority (the limiter itself admits <see cref="RequestPriority.Normal"/>).</summary>
    /// <param name="priority">The priority of the requests the view admits.</param>
    /// <returns>A limiter sharing this limiter's state.</returns>
    public RateLimiter ForPriority(RequestPriority priority) => priority == RequestPriority.Normal ? this : new PriorityRateLimiter(this, priority);

    /// <summary>Creates a partitioned limiter (for ASP.NET Core's middleware) that maps each resource to a priority and shares this limiter's state.</summary>
    /// <typeparam name="TResource">The resource type, for example HttpContext.</typeparam>
    /// <param name="priority">Returns the priority of a resource.</param>
    /// <returns>The partitioned limiter.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="priority"/> is null.</exception>
    public PartitionedRateLimiter<TResource> CreatePartitioned<TResource>(Func<TResource, RequestPriority> priority)
    {
        ArgumentNullException.ThrowIfNull(priority);
        return new PriorityPartitionedRateLimiter<TResource>(this, priority);
    }

    /// <summary>Marks a lease's request as dropped (timed out or overloaded downstream), which lowers the limit when the lease is disposed.</summary>
    /// <param name="lease">A lease granted by this limiter.</param>
    /// <exception cref="ArgumentException">The lease was not granted by this limiter.</exception>
    public void ReportDropped(RateLimitLease lease)
    {
        if (lease is not AdaptiveLease adaptive || adaptive.Owner != this)
        {
            throw new ArgumentException("The lease was not granted by this adaptive limiter.", nameof(lease));
        }

        adaptive.Dropped = true;
    }

    /// <inheritdoc />
    public override RateLimiterStatistics? GetStatistics() => new()
    {
        CurrentAvailablePermits = Math.Max(0, CurrentLimit - InFlight),
        CurrentQueuedCount = 0,
        TotalSuccessfulLeases = Volatile.Read(ref _successful),
        TotalFailedLeases = Volatile.Read(ref _failed),
    };

    internal RateLimitLease TryAcquire(int permitCount, RequestPriority priority)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(permitCount);
        var limit = CurrentLimit;
        var capacity = priority == RequestPriority.Critical ? limit : (int)Math.Floor(limit * (1 - _options.CriticalReservedShare));
        while (true)
        {
            var inFlight = Volatile.Read(ref _inFlight);
            if (inFlight + permitCount > capacity)
            {
                Interlocked.Increment(ref _failed);
                _metrics.RecordDecision(_options.Name, acquired: false, "adaptive");
                return DecisionLease.Rejected(null, _reason);
            }

            if (permitCount == 0)
            {
                return DecisionLease.Granted;
            }

            if (Interlocked.CompareExchange(ref _inFlight, inFlight + permitCount, inFlight) == inFlight)
            {
                Interlocked.Increment(ref _successful);
                _metrics.RecordDecision(_options.Name, acquired: true, "adaptive");
                _metrics.RecordAdaptiveInFlight(_options.Name, permitCount);
                return new AdaptiveLease(this, permitCount, _time.GetTimestamp(), inFlight + permitCount);
            }
        }
    }

    internal void Complete(int permits, long startedAt, int inFlightAtStart, bool dropped)
    {
        var rtt = _time.GetElapsedTime(startedAt).TotalMilliseconds;
        if (Interlocked.Add(ref _inFlight, -permits) == 0)
        {
            Volatile.Write(ref _idleSince, _time.GetTimestamp());
        }

        _metrics.RecordAdaptiveInFlight(_options.Name, -permits);
        lock (_gate)
        {
            _windowSamples++;
            _windowRttSum += rtt;
            _windowMaxInFlight = Math.Max(_windowMaxInFlight, inFlightAtStart);
            _windowDropped |= dropped;
            if (_windowSamples < _options.SamplesPerUpdate)
            {
                return;
            }

            var relearn = _options.NoLoadLatencyResetInterval is { } interval && _time.GetElapsedTime(_noLoadLearnedAt) >= interval;
            if (relearn)
            {
                _noLoadLearnedAt = _time.GetTimestamp();
            }

            _limit.Update(Math.Max(_windowRttSum / _windowSamples, 1e-6), _windowMaxInFlight, _windowDropped, relearn);
            (_windowSamples, _windowRttSum, _windowMaxInFlight, _windowDropped) = (0, 0, 0, false);
            var old = _currentLimit;
            var updated = (int)_limit.Limit;
            if (updated != old)
            {
                Volatile.Write(ref _currentLimit, updated);
                _metrics.RecordAdaptiveLimitChange(_options.Name, updated - old);
                Log.AdaptiveLimitChanged(_logger, _options.Name, old, updated);
            }
        }
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        // The limit gauge is an up-down counter: take this limiter's share out when it goes away.
        if (disposing && Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _metrics.RecordAdaptiveLimitChange(_options.Name, -CurrentLimit);
            if (_ownsMetrics)
            {
                _metrics.Dispose();
            }
        }

        base.Dispose(disposing);
    }

    /// <inheritdoc />
    protected override RateLimitLease AttemptAcquireCore(int permitCount) => TryAcquire(permitCount, RequestPriority.Normal);

    /// <inheritdoc />
    protected override ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken)
        => new(TryAcquire(permitCount, RequestPriority.Normal));
}
