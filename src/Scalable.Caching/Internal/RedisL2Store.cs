using System.Text;
using StackExchange.Redis;

namespace Scalable.Caching.Internal;

// Values are plain strings. A factory's value is written by a Lua script that reads the creation stamp of what the key
// holds (the first 11 bytes: magic, version, flags, created) and keeps that entry unless it is older than the factory's
// start (a tie goes to what is there, a set or removal in the same millisecond), so the compare and the write are one
// step. Each script touches one key, so it runs on Redis Cluster as well. A removal leaves a tombstone (an entry that no
// reader can use) for tombstoneRetention, so a value computed before the removal cannot land after it.
// Keys are the caller's string behind the prefix held as bytes: the client writes the two parts, so no key string is
// built per call.
internal sealed class RedisL2Store(RedisConnection connection, string prefix, TimeSpan tombstoneRetention) : IL2Store
{
    private const string SetUnlessNewerScript = """
        local head = redis.call('GETRANGE', KEYS[1], 0, 10)
        if string.len(head) == 11 and string.byte(head, 1) == tonumber(ARGV[4]) and string.byte(head, 2) == tonumber(ARGV[5]) then
          if struct.unpack('<i8', head, 4) >= tonumber(ARGV[2]) then
            return 0
          end
        end
        redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
        return 1
        """;

    private readonly RedisKey _prefix = Encoding.UTF8.GetBytes(prefix);

    public Task<Lease<byte>?> GetAsync(string key, CancellationToken cancellationToken)
        => connection.Database.StringGetLeaseAsync(Key(key));

    public Task SetAsync(string key, byte[] value, TimeSpan timeToLive, CancellationToken cancellationToken)
        => connection.Database.StringSetAsync(Key(key), value, timeToLive);

    public async Task<bool> SetUnlessNewerAsync(string key, byte[] value, long createdMs, TimeSpan timeToLive, CancellationToken cancellationToken)
    {
        var result = await connection.Database.ScriptEvaluateAsync(
            SetUnlessNewerScript,
            [Key(key)],
            [value, createdMs, Math.Max(1, (long)timeToLive.TotalMilliseconds), (int)EntryFormat.Magic, (int)EntryFormat.Version]).ConfigureAwait(false);
        return (long)result == 1;
    }

    public Task RemoveAsync(string key, long stampMs, CancellationToken cancellationToken)
        => connection.Database.StringSetAsync(Key(key), EntryFormat.Tombstone(stampMs), tombstoneRetention);

    private RedisKey Key(string key) => ((RedisKey)key).Prepend(_prefix);
}
