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
    // The interval is fractional (600,000 per second is 1.67 µs), and an absolute time in microseconds is too large for a
    // double to keep that fraction, so the script works relative to now: the TAT is stored as whole microseconds plus a
    // decimal fraction ("1732960000123456.666667"), whose parts are read apart. A plain number (an older TAT) reads the same.
    // A request for 0 permits takes nothing and is granted when one permit would be, as System.Threading.RateLimiting's
    // TokenBucketRateLimiter answers AttemptAcquire(0).
    public static readonly RedisScript Gcra = new(Now + """

        local interval = tonumber(ARGV[1])
        local burst = tonumber(ARGV[2])
        local n = tonumber(ARGV[3])
        local stored = redis.call('GET', KEYS[1])
        local ahead = 0
        if stored then
          local whole, fraction = string.match(stored, '^(%d+)(%.?%d*)$')
          if whole then
            ahead = (tonumber(whole) - now) + (tonumber('0' .. fraction) or 0)
          end
        end
        if ahead < 0 then ahead = 0 end
        local function store(tat)
          local whole = math.floor(tat)
          local fraction = string.format('%.6f', tat - whole)
          if string.sub(fraction, 1, 1) == '1' then
            whole = whole + 1
            fraction = '0.000000'
          end
          redis.call('SET', KEYS[1], string.format('%.0f', now + whole) .. string.sub(fraction, 2), 'PX', math.ceil(tat / 1000) + 1)
        end
        -- ARGV[4] = 1: the first decision of an instance back from an outage; the bucket counts as used up by what the
        -- instances admitted locally meanwhile.
        local drained = false
        if ARGV[4] == '1' and ahead < burst * interval then
          ahead = burst * interval
          drained = true
        end
        local asked = n
        if asked == 0 then asked = 1 end
        local wait = ahead + asked * interval - burst * interval
        if wait > 0 then
          if drained then store(ahead) end
          return { 0, 0, math.ceil(wait) }
        end
        if n > 0 then
          store(ahead + n * interval)
        end
        return { 1, math.floor((burst * interval - ahead - n * interval) / interval), 0 }
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
        local function store()
          redis.call('HSET', KEYS[1], 'i', string.format('%.0f', index), 'c', current, 'p', previous)
          redis.call('PEXPIRE', KEYS[1], math.ceil(2 * window / 1000) + 1)
        end
        -- ARGV[4] = 1: back from an outage; the window counts as full with what the instances admitted locally meanwhile.
        local drained = false
        if ARGV[4] == '1' then
          local full = math.ceil(limit - previous * (1 - elapsed))
          if current < full then
            current = full
            drained = true
          end
        end
        local used = previous * (1 - elapsed) + current
        -- A request for 0 permits takes nothing and is granted when one permit would be, as for GCRA.
        local asked = n
        if asked == 0 then asked = 1 end
        if used + asked > limit then
          if drained then store() end
          local free = limit - current - asked
          local retry
          if free >= 0 and previous > 0 then
            -- Fits in this window once the previous window's weight has shrunk enough.
            retry = ((1 - free / previous) - elapsed) * window
          else
            -- Fits only in the next window, where this window's count becomes the weighted previous one: not at its start
            -- (it still weighs fully there) but once its weight fell to limit - asked.
            retry = (index + 1) * window - now + (1 - (limit - asked) / current) * window
          end
          return { 0, 0, math.max(1, math.ceil(retry)) }
        end
        if n > 0 then
          current = current + n
          store()
        end
        return { 1, math.floor(limit - used - n), 0 }
        """);

    // Concurrency: a sorted set of lease ids scored by expiry; expired leases (crashed holders) are dropped before counting.
    // A rejection hints ARGV[5] (permits usually free in milliseconds, long before the earliest lease would expire),
    // or the earliest expiry when that comes sooner.
    public static readonly RedisScript ConcurrencyAcquire = new(Now + """

        local limit = tonumber(ARGV[1])
        local n = tonumber(ARGV[2])
        local lease = tonumber(ARGV[3])
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
        local held = redis.call('ZCARD', KEYS[1])
        if held + n > limit then
          local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
          local retry = tonumber(ARGV[5])
          if first[2] then retry = math.max(1, math.min(retry, tonumber(first[2]) - now)) end
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
