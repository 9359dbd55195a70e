using StackExchange.Redis;

namespace Scalable.Caching.Internal;

// The fleet-wide lease: SET NX PX with a unique token; renewal and release only by the token's owner,
// checked and applied atomically in Lua so an expired holder can never delete a successor's lease.
internal sealed class RedisLeases(RedisConnection connection, string prefix)
{
    private const string RenewScript = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end";
    private const string ReleaseScript = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

    public Task<bool> TryAcquireAsync(string key, string token, TimeSpan duration)
        => connection.Database.StringSetAsync(prefix + key, token, duration, When.NotExists);

    public async Task<bool> RenewAsync(string key, string token, TimeSpan duration)
    {
        var result = await connection.Database.ScriptEvaluateAsync(
            RenewScript, [prefix + key], [token, (long)duration.TotalMilliseconds]).ConfigureAwait(false);
        return (long)result == 1;
    }

    public async Task<bool> ReleaseAsync(string key, string token)
    {
        var result = await connection.Database.ScriptEvaluateAsync(ReleaseScript, [prefix + key], [token]).ConfigureAwait(false);
        return (long)result == 1;
    }

    public Task<TimeSpan?> TimeToLiveAsync(string key) => connection.Database.KeyTimeToLiveAsync(prefix + key);
}
