namespace Scalable.Resilience.Internal;

// One atomic script per decision. Time comes from the Redis server (TIME), never from a client, so skewed client clocks
// cannot change a decision; Redis 5+ replicates script effects, which makes TIME before a write allowed.
// Every script reads and writes only KEYS[1], so with a {hash tag} in the key it runs on one Redis Cluster slot.
// Each returns { acquired (0/1), remaining permits, retry-after in microseconds (0 = no hint) }.
internal static class LimiterScripts
{
    private const string Now = """
        if redis.replicate_commands then redis.replicate_commands() end
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
        """;

    // GCRA: the key holds the theoretical arrival time (TAT) in microseconds; a request fits if it leaves TAT within burst * interval of now.
    public static readonly RedisScript Gcra = new(Now + """

        local interval = tonumber(ARGV[1])
        local burst = tonumber(ARGV[2])
        local n = tonumber(ARGV[3])
        local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
        if tat < now then tat = now end
        local new_tat = tat + n * interval
        local allow_at = new_tat - burst * interval
        if now < allow_at then
          return { 0, 0, math.ceil(allow_at - now) }
        end
        if n > 0 then
          redis.call('SET', KEYS[1], string.format('%.0f', new_tat), 'PX', math.ceil((new_tat - now) / 1000) + 1)
        end
        return { 1, math.floor((now - allow_at) / interval), 0 }
        """);

    // Sliding window: one hash with the current window index, its count and the previous window's count; the previous
    // count is weighted by how much of it still overlaps the sliding window.
    public static readonly RedisScript SlidingWindow = new(Now + """

        local window = tonumber(ARGV[1])
        local limit = tonumber(ARGV[2])
        local n = tonumber(ARGV[3])
        local index = math.floor(now / window)
        local data = redis.call('HMGET', KEYS[1], 'i', 'c', 'p')
        local stored = tonumber(data[1]) or -1
        local current = tonumber(data[2]) or 0
        local previous = tonumber(data[3]) or 0
        if stored ~= index then
          if stored == index - 1 then previous = current else previous = 0 end
          current = 0
        end
        local elapsed = (now - index * window) / window
        local used = previous * (1 - elapsed) + current
        if used + n > limit then
          local free = limit - current - n
          local retry
          if free >= 0 and previous > 0 then
            -- Fits in this window once the previous window's weight has shrunk enough.
            retry = ((1 - free / previous) - elapsed) * window
          else
            -- Fits only in the next window, where this window's count becomes the weighted previous one: not at its start
            -- (it still weighs fully there) but once its weight fell to limit - n.
            retry = (index + 1) * window - now + (1 - (limit - n) / current) * window
          end
          return { 0, 0, math.max(1, math.ceil(retry)) }
        end
        if n > 0 then
          redis.call('HSET', KEYS[1], 'i', string.format('%.0f', index), 'c', current + n, 'p', previous)
          redis.call('PEXPIRE', KEYS[1], math.ceil(2 * window / 1000) + 1)
        end
        return { 1, math.floor(limit - used - n), 0 }
        """);

    // Concurrency: a sorted set of lease ids scored by expiry; expired leases (crashed holders) are dropped before counting.
    public static readonly RedisScript ConcurrencyAcquire = new(Now + """

        local limit = tonumber(ARGV[1])
        local n = tonumber(ARGV[2])
        local lease = tonumber(ARGV[3])
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
        local held = redis.call('ZCARD', KEYS[1])
        if held + n > limit then
          local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
          local retry = 0
          if first[2] then retry = math.max(1, tonumber(first[2]) - now) end
          return { 0, 0, retry }
        end
        local expires = string.format('%.0f', now + lease)
        for k = 1, n do
          redis.call('ZADD', KEYS[1], expires, ARGV[4] .. ':' .. k)
        end
        redis.call('PEXPIRE', KEYS[1], math.ceil(lease / 1000) + 1000)
        return { 1, limit - held - n, 0 }
        """);

    // Renewal: pushes the expiry of leases that still exist (an expired lease stays lost).
    public static readonly RedisScript ConcurrencyRenew = new(Now + """

        local lease = tonumber(ARGV[1])
        local expires = string.format('%.0f', now + lease)
        local renewed = 0
        for k = 2, #ARGV do
          if redis.call('ZSCORE', KEYS[1], ARGV[k]) then
            redis.call('ZADD', KEYS[1], expires, ARGV[k])
            renewed = renewed + 1
          end
        end
        redis.call('PEXPIRE', KEYS[1], math.ceil(lease / 1000) + 1000)
        return renewed
        """);
}
