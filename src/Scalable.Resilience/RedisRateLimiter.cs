using System.Diagnostics.Metrics;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Scalable.Resilience.Internal;
using StackExchange.Redis;

namespace Scalable.Resilience;

/// <summary>A <see cref="RateLimiter"/> whose state lives in Redis, decided by one atomic script per call on the server's clock; while Redis is down it follows its <see cref="OutagePolicy"/> and never throws a Redis exception.</summary>
public abstract class RedisRateLimiter : RateLimiter
{
    private readonly RedisConnectionSource _redis;
    private readonly RedisScript _script;
    private readonly OutageGuard _guard;
    private readonly LimiterFleet _fleet;
    private readonly object _fallbackGate = new();
    private readonly RedisKey[] _keys;
    private readonly RedisRateLimiterOptions _options;
    private readonly LimiterServices _services;
    private readonly string _reasonRejected;
    private readonly RateLimitLease _deferred;
    private long _lastUsed;
    private long _successful;
    private long _failed;
    private long _available;

    // When Redis last told the permits left (0: never), which the local fallback starts from.
    private long _observedAt;

    // 1 while decisions are local (Redis down, LocalFallback): the local bucket was started, and the first decision back on
    // Redis charges the shared bucket for what the fleet admitted meanwhile.
    private int _local;

    private protected RedisRateLimiter(RedisConnectionSource redis, RedisRateLimiterOptions options, LimiterServices services, string kind, string partitionKey, RedisScript script, int initialPermits)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(partitionKey);
        options.Validate();
        _redis = redis;
        _options = options;
        _script = script;
        PartitionKey = partitionKey;
        Name = options.Name;
        _keys = [(RedisKey)$"{options.KeyPrefix}{kind}:{options.Name}:{{{partitionKey}}}"];
        _services = services;
        var logger = services.LoggerFactory?.CreateLogger(GetType()) ?? NullLogger.Instance;
        _fleet = redis.Fleet(options, services.Time, logger);
        _guard = _fleet.Guard;
        _reasonRejected = $"Rate limit '{Name}' exceeded.";
        _deferred = DecisionLease.Rejected(null, $"Rate limit '{Name}' decides asynchronously; call AcquireAsync (or set BlockOnAttemptAcquire).");
        _available = initialPermits;
        _lastUsed = TimeProvider.GetTimestamp();
    }

    /// <summary>Gets the limiter name shared by every instance that shares the limit.</summary>
    public string Name { get; }

    /// <summary>Gets the partition this limiter decides for (empty for an unpartitioned limiter).</summary>
    public string PartitionKey { get; }

    /// <summary>Gets whether the limiter currently decides by its outage policy because Redis did not answer.</summary>
    public bool IsInOutage => _guard.IsDown;

    /// <inheritdoc />
    public override TimeSpan? IdleDuration => TimeProvider.GetElapsedTime(Volatile.Read(ref _lastUsed));

    internal RedisKey Key => _keys[0];

    // The instances sharing this limit, as last counted in Redis (0 before the first count).
    internal int LiveInstances => _fleet.LiveInstances;

    // Null while a WithRedis factory has not made the connection yet.
    internal IConnectionMultiplexer? Redis => _redis.Current;

    private protected TimeProvider TimeProvider => _services.Time;

    private protected TimeSpan DecisionTimeout => _options.DecisionTimeout;

    private protected abstract int MaxPermitsPerRequest { get; }

    /// <inheritdoc />
    public override RateLimiterStatistics? GetStatistics() => new()
    {
        CurrentAvailablePermits = Volatile.Read(ref _available),
        CurrentQueuedCount = 0,
        TotalSuccessfulLeases = Volatile.Read(ref _successful),
        TotalFailedLeases = Volatile.Read(ref _failed),
    };

    /// <inheritdoc />
    protected override RateLimitLease AttemptAcquireCore(int permitCount)
    {
        CheckPermits(permitCount);
        if (!_guard.ShouldTryRedis())
        {
            return Count(Outage(permitCount), "outage");
        }

        if (!_options.BlockOnAttemptAcquire)
        {
            // Not a decision: the caller is told to ask asynchronously (the ASP.NET Core middleware then calls AcquireAsync).
            return _deferred;
        }

        var drain = Volatile.Read(ref _local) == 1;
        var arguments = Arguments(permitCount, drain);
        RedisResult result;
        try
        {
            // Blocking on request, but for the decision timeout at most: the client's own timeout (5 s by default, and
            // while disconnected its backlog holds the command that long) would stall the thread much longer.
            result = EvaluateAsync(arguments, CancellationToken.None).GetAwaiter().GetResult();
        }
        catch (Exception exception)
        {
            Abandoned(arguments);
            _guard.Failed(exception);
            return Count(Outage(permitCount), "outage");
        }

        return Decide(result, permitCount, arguments, drain);
    }

    /// <inheritdoc />
    protected override async ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken)
    {
        CheckPermits(permitCount);
        cancellationToken.ThrowIfCancellationRequested();
        if (!_guard.ShouldTryRedis())
        {
            return Count(Outage(permitCount), "outage");
        }

        using var activity = ResilienceMetrics.ActivitySource.HasListeners() ? ResilienceMetrics.ActivitySource.StartActivity("scalable.resilience.rate_limiter.acquire") : null;
        activity?.SetTag("limiter", Name);
        var drain = Volatile.Read(ref _local) == 1;
        var arguments = Arguments(permitCount, drain);
        RateLimitLease lease;
        try
        {
            var result = await EvaluateAsync(arguments, cancellationToken).ConfigureAwait(false);
            lease = Decide(result, permitCount, arguments, drain);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Abandoned(arguments);
            throw;
        }
        catch (Exception exception)
        {
            // Anything but the caller's own cancellation (a client-side cancellation included) is an outage, never the caller's problem.
            Abandoned(arguments);
            _guard.Failed(exception);
            lease = Count(Outage(permitCount), "outage");
            activity?.SetTag("outage", true);
        }

        activity?.SetTag("acquired", lease.IsAcquired);
        return lease;
    }

    // drain: the first decision back on Redis after local ones; the script then counts the shared bucket as used up (what
    // the instances admitted locally during the outage), so that the fleet does not return to a full bucket.
    private protected abstract RedisValue[] Arguments(int permitCount, bool drain);

    // Starts the local fallback for an outage: share of the limit, holding share of the permits Redis last reported
    // (available, at the observedAt timestamp, 0 if never), not a full bucket.
    private protected abstract void StartFallback(double share, long available, long observedAt);

    // Called when a decision was given up (timeout, failure, cancellation) although the script may still run later, for
    // example from the client's backlog once Redis answers again: a limiter that holds state per request undoes it here.
    private protected virtual void Abandoned(RedisValue[] arguments)
    {
    }

    private protected virtual RateLimitLease Granted(int permitCount, RedisValue[] arguments) => DecisionLease.Granted;

    private protected abstract RateLimitLease FallbackAcquire(int permitCount);

    private protected RateLimitLease Rejected(TimeSpan? retryAfter, string reason) => DecisionLease.Rejected(retryAfter, reason);

    private protected RateLimitLease AcquireLocally(LocalGcra fallback, int permitCount)
    {
        var retryAfter = fallback.TryAcquire(permitCount, out var acquired);
        return acquired ? DecisionLease.Granted : Rejected(retryAfter, $"Rate limit '{Name}' exceeded (local fallback while Redis is down).");
    }

    // Each wait is bounded by the decision timeout and stops at the caller's cancellation. Once given up, nothing more is
    // sent: in particular no EVAL after a late NOSCRIPT, which would apply a decision nobody waits for.
    private async Task<RedisResult> EvaluateAsync(RedisValue[] arguments, CancellationToken cancellationToken)
    {
        // Until a WithRedis factory has made the connection, waiting for it counts against a decision timeout of its own.
        var redis = _redis.Current
            ?? await _redis.ConnectAsync().WaitAsync(_options.DecisionTimeout, TimeProvider, cancellationToken).ConfigureAwait(false);
        var database = redis.GetDatabase();
        try
        {
            return await _script.EvaluateShaAsync(database, _keys, arguments)
                .WaitAsync(_options.DecisionTimeout, TimeProvider, cancellationToken).ConfigureAwait(false);
        }
        catch (RedisServerException exception) when (RedisScript.IsNoScript(exception))
        {
            return await _script.EvaluateTextAsync(database, _keys, arguments)
                .WaitAsync(_options.DecisionTimeout, TimeProvider, cancellationToken).ConfigureAwait(false);
        }
    }

    private RateLimitLease Decide(RedisResult result, int permitCount, RedisValue[] arguments, bool drained)
    {
        _guard.Succeeded();
        if (drained)
        {
            Volatile.Write(ref _local, 0);
        }

        if (_redis.Current is { } redis)
        {
            _fleet.Beat(redis);
        }

        var values = (RedisResult[])result!;
        var acquired = (long)values[0] == 1;
        Volatile.Write(ref _available, (long)values[1]);
        Volatile.Write(ref _observedAt, TimeProvider.GetTimestamp());
        var retryMicroseconds = (long)values[2];
        var lease = acquired
            ? Granted(permitCount, arguments)
            : Rejected(retryMicroseconds > 0 ? TimeSpan.FromTicks(retryMicroseconds * 10) : null, _reasonRejected);
        return Count(lease, "redis");
    }

    private RateLimitLease Outage(int permitCount) => _options.OutagePolicy switch
    {
        OutagePolicy.FailOpen => DecisionLease.Granted,
        OutagePolicy.FailClosed => Rejected(_options.RecoveryProbeInterval, $"Rate limit '{Name}' is unavailable (Redis down) and fails closed."),
        _ => LocalAcquire(permitCount),
    };

    private RateLimitLease LocalAcquire(int permitCount)
    {
        if (Volatile.Read(ref _local) == 0)
        {
            lock (_fallbackGate)
            {
                if (_local == 0)
                {
                    StartFallback(_fleet.FallbackShare(_options.FallbackShare), Volatile.Read(ref _available), Volatile.Read(ref _observedAt));
                    Volatile.Write(ref _local, 1);
                }
            }
        }

        return FallbackAcquire(permitCount);
    }

    private RateLimitLease Count(RateLimitLease lease, string source)
    {
        Volatile.Write(ref _lastUsed, TimeProvider.GetTimestamp());
        Interlocked.Increment(ref lease.IsAcquired ? ref _successful : ref _failed);
        _services.Metrics.RecordDecision(Name, lease.IsAcquired, source);
        return lease;
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing && _services.OwnsMetrics)
        {
            _services.Metrics.Dispose();
        }

        base.Dispose(disposing);
    }

    // The services of a limiter made outside a container: its own instruments unless a meter factory is given.
    private protected static LimiterServices Standalone(TimeProvider? timeProvider, ILoggerFactory? loggerFactory, IMeterFactory? meterFactory)
        => new(timeProvider ?? TimeProvider.System, loggerFactory, new ResilienceMetrics(meterFactory), OwnsMetrics: true);

    private void CheckPermits(int permitCount)
    {
        if (permitCount < 0 || permitCount > MaxPermitsPerRequest)
        {
            throw new ArgumentOutOfRangeException(nameof(permitCount), permitCount, $"The limiter '{Name}' grants between 0 and {MaxPermitsPerRequest} permits per request.");
        }
    }
}
