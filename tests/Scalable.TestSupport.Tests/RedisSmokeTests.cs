using Scalable.TestSupport;
using StackExchange.Redis;

namespace Scalable.TestSupport.Tests;

public sealed class RedisSmokeTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    [Fact]
    public async Task Set_get_and_eval_round_trip()
    {
        using var connection = redis.Connect();
        var db = connection.GetDatabase();
        var key = $"smoke:{Guid.NewGuid():N}";

        Assert.True(await db.StringSetAsync(key, "hello"));
        Assert.Equal("hello", (string?)await db.StringGetAsync(key));
        var length = (long)await db.ScriptEvaluateAsync("return redis.call('STRLEN', KEYS[1]) + tonumber(ARGV[1])", [key], [10]);
        Assert.Equal(15, length);
    }

    [Fact]
    public async Task Pub_sub_delivers_to_another_connection()
    {
        using var publisher = redis.Connect();
        using var subscriber = redis.Connect();
        var channel = RedisChannel.Literal($"smoke:{Guid.NewGuid():N}");
        var received = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await subscriber.GetSubscriber().SubscribeAsync(channel, (_, value) => received.TrySetResult(value!));

        await Eventually.TrueAsync(async () =>
        {
            await publisher.GetSubscriber().PublishAsync(channel, "ping");
            return received.Task.IsCompleted;
        }, because: "the pub/sub message");
        Assert.Equal("ping", await received.Task);
    }

    [Fact]
    public async Task Stopped_server_fails_calls_and_restarted_server_serves_them_again()
    {
        await using var server = await RedisServer.StartLocalAsync();
        using var connection = server.Connect();
        var db = connection.GetDatabase();
        await db.StringSetAsync("k", "before");

        await server.StopAsync();
        Assert.False(server.IsRunning);
        await Assert.ThrowsAnyAsync<Exception>(() => db.StringGetAsync("k"));

        await server.RestartAsync();
        await Eventually.TrueAsync(() => connection.IsConnected, because: "the client to reconnect");
        await Eventually.TrueAsync(async () =>
        {
            try
            {
                await db.StringSetAsync("k", "after");
                return true;
            }
            catch (RedisException)
            {
                return false;
            }
        }, because: "writes to succeed after the restart");
        Assert.Equal("after", (string?)await db.StringGetAsync("k"));
    }
}
