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
        using var given = redis.Connect();
        var provider = new ServiceCollection().AddScalableCaching().WithRedis(_ => given).Services.BuildServiceProvider();
        await provider.GetRequiredService<IScalableCache>().SetAsync(CacheInstance.NewKey(), 1);

        await provider.DisposeAsync();

        Assert.True(given.IsConnected);
    }
}
