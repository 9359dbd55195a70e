namespace Scalable.Caching.Tests;

// The factory's own caller gets its value as soon as the factory ends; the L2 write, the notice and the lease
// release follow behind it.
public sealed class WriteBehindTests
{
    [Fact]
    public async Task The_factorys_caller_returns_while_redis_hangs_and_l2_gets_the_value_once_it_answers()
    {
        await using var server = await RedisServer.StartLocalAsync();
        var prefix = CacheInstance.NewPrefix();

        // Nothing bounds a Redis call here, neither the cache nor the client: only a caller that does not wait for Redis returns.
        static void Unbounded(ScalableCachingOptions o) => o.L2OperationTimeout = Timeout.InfiniteTimeSpan;
        using var a = CacheInstance.WithRedis(server.Connect("asyncTimeout=120000,syncTimeout=120000"), Unbounded, prefix);
        var factoryStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var finish = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var running = a.Cache.GetOrCreateAsync("k", async ct =>
        {
            factoryStarted.TrySetResult();
            await finish.Task.WaitAsync(ct);
            return "computed";
        }).AsTask();
        await factoryStarted.Task.WaitAsync(TimeSpan.FromSeconds(30));

        await server.PauseAsync();
        string value;
        try
        {
            finish.TrySetResult();
            value = await running.WaitAsync(TimeSpan.FromSeconds(20));
        }
        finally
        {
            await server.ResumeAsync();
        }

        Assert.Equal("computed", value);
        using var b = CacheInstance.WithRedis(server.Connect(), prefix: prefix);
        await Eventually.TrueAsync(async () => (await b.Cache.TryGetAsync<string>("k")).Value == "computed", because: "the write behind the caller to reach L2");
        var bRan = false;
        Assert.Equal("computed", await b.Cache.GetOrCreateAsync("k", _ => { bRan = true; return ValueTask.FromResult("b's factory"); }));
        Assert.False(bRan);
    }
}
