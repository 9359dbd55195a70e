namespace Scalable.Resilience.Internal;

// The shared state of a breaker: a sorted set of the instances whose own breaker is open, each scored by when its entry
// expires (server milliseconds), plus the member "isolated" scored +inf for a manual isolation. The fleet is open while
// any entry lives: one instance closing removes only its own entry. Expired entries (an opener that crashed) are dropped
// on every read. Returns { live entries, milliseconds until the last one expires (-1: isolated until reset) }.
internal static class SharedBreakerScripts
{
    public const string Isolated = "isolated";

    // ARGV[1]: open (ARGV[2] instance, ARGV[3] milliseconds), leave (ARGV[2] instance), isolate, reset or read.
    public static readonly RedisScript Change = new("""
        if redis.replicate_commands then redis.replicate_commands() end
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local op = ARGV[1]
        if op == 'open' then
          redis.call('ZADD', KEYS[1], string.format('%.0f', now + tonumber(ARGV[3])), ARGV[2])
        elseif op == 'leave' then
          redis.call('ZREM', KEYS[1], ARGV[2])
        elseif op == 'isolate' then
          redis.call('ZADD', KEYS[1], '+inf', 'isolated')
        elseif op == 'reset' then
          redis.call('DEL', KEYS[1])
          return { 0, 0 }
        end
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
        local count = redis.call('ZCARD', KEYS[1])
        if count == 0 then
          return { 0, 0 }
        end
        if redis.call('ZSCORE', KEYS[1], 'isolated') then
          redis.call('PERSIST', KEYS[1])
          return { count, -1 }
        end
        local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
        local remaining = math.max(1, tonumber(last[2]) - now)
        redis.call('PEXPIRE', KEYS[1], remaining + 1000)
        return { count, remaining }
        """);
}
