using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Scalable.Resilience.Internal;

// What the instances sharing one limit (same key prefix and name) on one connection have in common: the outage guard, and
// how many instances are alive. Each instance adds itself to a sorted set at most once per HeartbeatInterval, on the
// decisions it makes anyway (no background work), and reads how many others did within EntryLifetime; during an outage
// the local fallback takes 1 / that count of the limit.
internal sealed class LimiterFleet
{
    private static readonly TimeSpan HeartbeatInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan EntryLifetime = TimeSpan.FromSeconds(5);

    private static readonly RedisScript Heartbeat = new("""
        if redis.replicate_commands then redis.replicate_commands() end
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local lifetime = tonumber(ARGV[2])
        redis.call('ZADD', KEYS[1], now + lifetime, ARGV[1])
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
        redis.call('PEXPIRE', KEYS[1], 2 * lifetime)
        return redis.call('ZCARD', KEYS[1])
        """);

    private readonly RedisKey[] _key;
    private readonly RedisValue[] _arguments = [Guid.NewGuid().ToString("N"), (long)EntryLifetime.TotalMilliseconds];
    private readonly TimeProvider _time;
    private long _nextHeartbeat;
    private int _liveInstances;

    public LimiterFleet(RedisRateLimiterOptions options, TimeProvider time, ILogger logger)
    {
        _time = time;
        _key = [(RedisKey)$"{options.KeyPrefix}fleet:{options.Name}"];
        Guard = new OutageGuard(options.Name, options.OutagePolicy, options.RecoveryProbeInterval, time, logger);
    }

    public OutageGuard Guard { get; }

    // 0 until Redis has answered a heartbeat.
    public int LiveInstances => Volatile.Read(ref _liveInstances);

    // The share of the limit this instance takes while Redis is down: the configured one, or 1 / the live instances last
    // counted (1 when none was counted: this instance knows of no other).
    public double FallbackShare(double? configured) => configured ?? 1.0 / Math.Max(1, LiveInstances);

    public void Beat(IConnectionMultiplexer redis)
    {
        var now = _time.GetTimestamp();
        var next = Volatile.Read(ref _nextHeartbeat);
        if (now < next || Interlocked.CompareExchange(ref _nextHeartbeat, now + (long)(HeartbeatInterval.TotalSeconds * _time.TimestampFrequency), next) != next)
        {
            return;
        }

        _ = BeatAsync(redis);
    }

    private async Task BeatAsync(IConnectionMultiplexer redis)
    {
        try
        {
            var count = (long)await Heartbeat.EvaluateAsync(redis.GetDatabase(), _key, _arguments).ConfigureAwait(false);
            Volatile.Write(ref _liveInstances, (int)Math.Clamp(count, 1, int.MaxValue));
        }
        catch (Exception)
        {
            // Redis did not answer: the decisions see that too; the last count stays.
        }
    }
}
