using System.Diagnostics.Metrics;
using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Logging;
using Scalable.Resilience.Internal;
using StackExchange.Redis;

namespace Scalable.Resilience;

/// <summary>A sliding-window rate limiter on Redis: the current window's count plus the overlapping part of the previous one, in one hash per partition, on the Redis server's clock.</summary>
public sealed class RedisSlidingWindowRateLimiter : RedisRateLimiter
{
    private readonly RedisValue[] _singlePermit;
    private readonly string _windowMicroseconds;
    private readonly int _limit;
    private readonly RedisSlidingWindowRateLimiterOptions _options;
    private LocalGcra _fallback;

    /// <summary>Creates a limiter for one partition of a shared limit.</summary>
    /// <param name="redis">The Redis connection.</param>
    /// <param name="options">The limit and outage settings.</param>
    /// <param name="partitionKey">The partition (for example a user or tenant id); empty for one global limit.</param>
    /// <param name="timeProvider">The clock for the decision timeout, outage probing and the local fallback (default <see cref="TimeProvider.System"/>); shared limiting always uses the Redis server's clock.</param>
    /// <param name="loggerFactory">The logger factory for outage and recovery logs (default none).</param>
    /// <param name="meterFactory">The factory of the Scalable.Resilience meter (default a meter of the limiter's own, disposed with it).</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range; the message names it.</exception>
    public RedisSlidingWindowRateLimiter(IConnectionMultiplexer redis, RedisSlidingWindowRateLimiterOptions options, string partitionKey = "", TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null, IMeterFactory? meterFactory = null)
        : this(new RedisConnectionSource(redis ?? throw new ArgumentNullException(nameof(redis))), options, partitionKey, Standalone(timeProvider, loggerFactory, meterFactory))
    {
    }

    // For the registered limiters, whose WithRedis connection may not exist yet.
    internal RedisSlidingWindowRateLimiter(RedisConnectionSource redis, RedisSlidingWindowRateLimiterOptions options, string partitionKey, LimiterServices services)
        : base(redis, options, services, "sliding", partitionKey, LimiterScripts.SlidingWindow, options?.PermitLimit ?? 0)
    {
        _limit = options!.PermitLimit;
        _windowMicroseconds = (options.Window.Ticks / 10).ToString(CultureInfo.InvariantCulture);
        _singlePermit = [_windowMicroseconds, _limit, 1, 0];
        _options = options;
        _fallback = Fallback(1, 0, 0);
    }

    private protected override int MaxPermitsPerRequest => _limit;

    private protected override RedisValue[] Arguments(int permitCount, bool drain)
        => permitCount == 1 && !drain ? _singlePermit : [_windowMicroseconds, _limit, permitCount, drain ? 1 : 0];

    private protected override void StartFallback(double share, long available, long observedAt)
        => Volatile.Write(ref _fallback, Fallback(share, available, observedAt));

    private protected override RateLimitLease FallbackAcquire(int permitCount) => AcquireLocally(Volatile.Read(ref _fallback), permitCount);

    private LocalGcra Fallback(double share, long available, long observedAt)
        => LocalGcra.ForShare(_limit, _options.Window, _limit, share, TimeProvider).StartingWith(available * share, observedAt);
}
