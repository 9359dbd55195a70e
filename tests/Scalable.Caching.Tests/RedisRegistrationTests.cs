using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace Scalable.Caching.Tests;

public sealed class RedisRegistrationTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    [Fact]
    public async Task A_connection_string_and_a_multiplexer_from_di_reach_the_same_redis()
    {
        var prefix = CacheInstance.NewPrefix();
        using var fromString = new ServiceCollection()
            .AddScalableCaching(o => o.KeyPrefix = prefix)
            .WithRedis(redis.Server.ConnectionString)
            .Services.BuildServiceProvider();
        using var connection = redis.Connect();
        using var fromDi = new ServiceCollection()
            .AddSingleton<IConnectionMultiplexer>(connection)
            .AddScalableCaching(o => o.KeyPrefix = prefix)
            .WithRedis()
            .Services.BuildServiceProvider();

        await fromString.GetRequiredService<IScalableCache>().SetAsync("k", "shared");

        Assert.Equal("shared", (await fromDi.GetRequiredService<IScalableCache>().TryGetAsync<string>("k")).Value);
    }

    [Fact]
    public async Task The_cache_disposes_a_connection_it_opened_but_not_one_it_was_given()
    {
        // The connection the cache opens is known to the server by its client name, which a test can look for.
        var name = $"opened-by-cache-{Guid.NewGuid():N}";
        using var admin = redis.Server.Connect("allowAdmin=true");
        var server = admin.GetServer(redis.Server.Endpoint);
        async Task<int> OpenedConnectionsAsync() => (await server.ClientListAsync()).Count(c => c.Name == name);
        var opened = new ServiceCollection().AddScalableCaching().WithRedis($"{redis.Server.ConnectionString},name={name}").Services.BuildServiceProvider();
        using var given = redis.Connect();
        var withGiven = new ServiceCollection().AddScalableCaching().WithRedis(_ => given).Services.BuildServiceProvider();
        await opened.GetRequiredService<IScalableCache>().SetAsync(CacheInstance.NewKey(), 1);
        await withGiven.GetRequiredService<IScalableCache>().SetAsync(CacheInstance.NewKey(), 1);
        Assert.True(await OpenedConnectionsAsync() > 0, "the connection the cache opened should be listed by the server under its name");

        await opened.DisposeAsync();
        await withGiven.DisposeAsync();

        await Eventually.TrueAsync(async () => await OpenedConnectionsAsync() == 0, because: "the server to see the cache's own connection closed");
        Assert.True(given.IsConnected);
        Assert.True(await given.GetDatabase().StringSetAsync(CacheInstance.NewKey(), "still usable"));
    }
}
