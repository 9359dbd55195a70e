using System.Diagnostics.Metrics;
using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Logging;
using Scalable.Resilience.Internal;
using StackExchange.Redis;

namespace Scalable.Resilience;

/// <summary>A concurrency limiter on Redis whose leases expire: a holder that crashes without releasing loses its permits after <see cref="RedisConcurrencyLimiterOptions.LeaseDuration"/>.</summary>
public sealed class RedisConcurrencyLimiter : RedisRateLimiter
{
    private readonly int _limit;
    private readonly string _leaseMicroseconds;
    private readonly string _retryAfterMicroseconds;
    private int _fallbackLimit = 1;
    private int _outstanding;
    private int _heldLocally;

    /// <summary>Creates a limiter for one partition of a shared concurrency limit.</summary>
    /// <param name="redis">The Redis connection.</param>
    /// <param name="options">The limit, lease and outage settings.</param>
    /// <param name="partitionKey">The partition (for example a tenant id); empty for one global limit.</param>
    /// <param name="timeProvider">The clock for the decision timeout, outage probing and the local fallback (default <see cref="TimeProvider.System"/>); shared limiting always uses the Redis server's clock.</param>
    /// <param name="loggerFactory">The logger factory for outage and recovery logs (default none).</param>
    /// <param name="meterFactory">The factory of the Scalable.Resilience meter (default a meter of the limiter's own, disposed with it).</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range; the message names it.</exception>
    public RedisConcurrencyLimiter(IConnectionMultiplexer redis, RedisConcurrencyLimiterOptions options, string partitionKey = "", TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null, IMeterFactory? meterFactory = null)
        : this(new RedisConnectionSource(redis ?? throw new ArgumentNullException(nameof(redis))), options, partitionKey, Standalone(timeProvider, loggerFactory, meterFactory))
    {
    }

    // For the registered limiters, whose WithRedis connection may not exist yet.
    internal RedisConcurrencyLimiter(RedisConnectionSource redis, RedisConcurrencyLimiterOptions options, string partitionKey, LimiterServices services)
        : base(redis, options, services, "concurrency", partitionKey, LimiterScripts.ConcurrencyAcquire, options?.PermitLimit ?? 0)
    {
        _limit = options!.PermitLimit;
        _leaseMicroseconds = (options.LeaseDuration.Ticks / 10).ToString(CultureInfo.InvariantCulture);
        _retryAfterMicroseconds = (options.RetryAfter.Ticks / 10).ToString(CultureInfo.InvariantCulture);
    }

    /// <inheritdoc />
    public override TimeSpan? IdleDuration => Volatile.Read(ref _outstanding) > 0 ? null : base.IdleDuration;

    private protected override int MaxPermitsPerRequest => _limit;

    /// <summary>Extends a lease from this limiter by another lease duration, for work that runs longer than expected.</summary>
    /// <param name="lease">A lease granted by this limiter.</param>
    /// <returns>True if Redis still held the lease and extended it; false if it had expired, was released, or Redis did not answer within <see cref="RedisRateLimiterOptions.DecisionTimeout"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="lease"/> is null.</exception>
    public async Task<bool> RenewAsync(RateLimitLease lease)
    {
        ArgumentNullException.ThrowIfNull(lease);
        if (lease is not HeldLease { IsReleased: false } held || held.Owner != this || held.Members.Length == 0)
        {
            return false;
        }

        if (Redis is not { } redis)
        {
            return false;
        }

        try
        {
            RedisValue[] arguments = [_leaseMicroseconds, .. held.Members];
            var renewed = (long)await LimiterScripts.ConcurrencyRenew.EvaluateAsync(redis.GetDatabase(), [Key], arguments)
                .WaitAsync(DecisionTimeout, TimeProvider).ConfigureAwait(false);
            return renewed == held.Members.Length;
        }
        catch (Exception)
        {
            // Unreachable or disposed Redis: the lease cannot be renewed; the caller decides what to do.
            return false;
        }
    }

    private void Release(RedisValue[] members)
    {
        Interlocked.Decrement(ref _outstanding);
        Remove(members);
    }

    private void Remove(RedisValue[] members)
    {
        try
        {
            Redis?.GetDatabase().SortedSetRemove(Key, members, CommandFlags.FireAndForget);
        }
        catch (Exception)
        {
            // Unreachable or disposed Redis: the lease expires on its own; nothing to do.
        }
    }

    // Leases held locally are not in Redis: the shared set starts from what Redis still holds, nothing to drain.
    private protected override RedisValue[] Arguments(int permitCount, bool drain)
        => [_limit, permitCount, _leaseMicroseconds, Guid.NewGuid().ToString("N"), _retryAfterMicroseconds];

    private protected override RateLimitLease Granted(int permitCount, RedisValue[] arguments)
    {
        Interlocked.Increment(ref _outstanding);
        var members = Members(arguments);
        return new HeldLease(() => Release(members), this, members);
    }

    // The script may still run from the client's backlog after the caller was answered without it: queued behind it on
    // the same connection, this removal takes back the permits it would hold until the lease expired.
    // Not fire-and-forget: the client drops those while disconnected, but keeps this in its backlog behind the acquisition.
    private protected override void Abandoned(RedisValue[] arguments)
    {
        try
        {
            _ = Redis?.GetDatabase().SortedSetRemoveAsync(Key, Members(arguments)).ContinueWith(
                static task => _ = task.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
        catch (Exception)
        {
            // A disposed connection: nothing was queued behind, so nothing to take back.
        }
    }

    private static RedisValue[] Members(RedisValue[] arguments)
    {
        var id = (string)arguments[3]!;
        return Enumerable.Range(1, (int)arguments[1]).Select(k => (RedisValue)string.Create(CultureInfo.InvariantCulture, $"{id}:{k}")).ToArray();
    }

    private protected override void StartFallback(double share, long available, long observedAt)
        => Volatile.Write(ref _fallbackLimit, Math.Max(1, (int)Math.Floor((_limit * share) + 1e-9)));

    private protected override RateLimitLease FallbackAcquire(int permitCount)
    {
        while (true)
        {
            var held = Volatile.Read(ref _heldLocally);
            if (held + permitCount > Volatile.Read(ref _fallbackLimit))
            {
                return Rejected(null, $"Concurrency limit '{Name}' reached (local fallback while Redis is down).");
            }

            if (Interlocked.CompareExchange(ref _heldLocally, held + permitCount, held) == held)
            {
                return new HeldLease(() => Interlocked.Add(ref _heldLocally, -permitCount));
            }
        }
    }
}
