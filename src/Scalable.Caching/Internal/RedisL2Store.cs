using StackExchange.Redis;

namespace Scalable.Caching.Internal;

internal sealed class RedisL2Store(RedisConnection connection, string prefix) : IL2Store
{
    public async Task<byte[]?> GetAsync(string key, CancellationToken cancellationToken)
    {
        var value = await connection.Database.StringGetAsync(prefix + key).ConfigureAwait(false);
        return value.IsNull ? null : (byte[]?)value;
    }

    public Task SetAsync(string key, byte[] value, TimeSpan timeToLive, CancellationToken cancellationToken)
        => connection.Database.StringSetAsync(prefix + key, value, timeToLive);

    public Task RemoveAsync(string key, CancellationToken cancellationToken)
        => connection.Database.KeyDeleteAsync(prefix + key);
}
