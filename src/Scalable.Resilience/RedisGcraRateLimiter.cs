using System.Diagnostics.Metrics;
using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Logging;
using Scalable.Resilience.Internal;
using StackExchange.Redis;

namespace Scalable.Resilience;

/// <summary>A token-bucket rate limiter on Redis using GCRA: one key per partition holding one number, decided on the Redis server's clock.</summary>
public sealed class RedisGcraRateLimiter : RedisRateLimiter
{
    private readonly RedisValue[] _singlePermit;
    private readonly string _intervalMicroseconds;
    private readonly int _burst;
    private readonly RedisGcraRateLimiterOptions _options;
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
    public RedisGcraRateLimiter(IConnectionMultiplexer redis, RedisGcraRateLimiterOptions options, string partitionKey = "", TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null, IMeterFactory? meterFactory = null)
        : this(new RedisConnectionSource(redis ?? throw new ArgumentNullException(nameof(redis))), options, partitionKey, Standalone(timeProvider, loggerFactory, meterFactory))
    {
    }

    // For the registered limiters, whose WithRedis connection may not exist yet.
    internal RedisGcraRateLimiter(RedisConnectionSource redis, RedisGcraRateLimiterOptions options, string partitionKey, LimiterServices services)
        : base(redis, options, services, "gcra", partitionKey, LimiterScripts.Gcra, options?.EffectiveBurst ?? 0)
    {
        _burst = options!.EffectiveBurst;
        // Fractional: whole microseconds would round 1.67 µs (600,000 per second) down to 1 and admit 1,000,000 per second.
        _intervalMicroseconds = (options.Window.Ticks / 10.0 / options.PermitLimit).ToString("R", CultureInfo.InvariantCulture);
        _singlePermit = Arguments(_intervalMicroseconds, _burst, 1, drain: false);
        _options = options;
        _fallback = Fallback(1, 0, 0);
    }

    private protected override int MaxPermitsPerRequest => _burst;

    private protected override RedisValue[] Arguments(int permitCount, bool drain)
        => permitCount == 1 && !drain ? _singlePermit : Arguments(_intervalMicroseconds, _burst, permitCount, drain);

    private protected override void StartFallback(double share, long available, long observedAt)
        => Volatile.Write(ref _fallback, Fallback(share, available, observedAt));

    private protected override RateLimitLease FallbackAcquire(int permitCount) => AcquireLocally(Volatile.Read(ref _fallback), permitCount);

    private static RedisValue[] Arguments(string interval, int burst, int permits, bool drain)
        => [interval, burst, permits, drain ? 1 : 0];

    private LocalGcra Fallback(double share, long available, long observedAt)
        => LocalGcra.ForShare(_options.PermitLimit, _options.Window, _burst, share, TimeProvider).StartingWith(available * share, observedAt);
}
