using Microsoft.Extensions.DependencyInjection;
using Polly;
using Polly.CircuitBreaker;
using Polly.RateLimiting;
using Polly.Registry;
using Scalable.Resilience;
using StackExchange.Redis;

namespace Scalable.Cluster.Tests;

// Scalable.Resilience on a three-master Redis Cluster: each limiter partition is one hash-tagged key, each shared
// breaker one key and one classic pub/sub channel, so instances on different connections share them across masters.
public sealed class RedisClusterResilienceTests(RedisClusterFixture fixture) : IClassFixture<RedisClusterFixture>
{
    [Fact]
    public async Task A_breaker_isolated_on_one_instance_opens_on_another_through_the_cluster()
    {
        using var first = fixture.Cluster.Connect();
        using var second = fixture.Cluster.Connect();
        var name = $"payments-{Guid.NewGuid():N}";
        await using var here = new SharedCircuitBreaker(first, name);
        await using var there = new SharedCircuitBreaker(second, name);
        await Task.WhenAll(here.Ready, there.Ready);
        var pipeline = new ResiliencePipelineBuilder().AddCircuitBreaker(there.Apply(new CircuitBreakerStrategyOptions())).Build();

        await here.IsolateAsync();

        await Eventually.TrueAsync(
            async () =>
            {
                try
                {
                    await pipeline.ExecuteAsync(static _ => ValueTask.CompletedTask);
                    return false;
                }
                catch (IsolatedCircuitException)
                {
                    return true;
                }
            },
            TimeSpan.FromSeconds(30),
            "the other instance's breaker never opened");
    }

    [Fact]
    public async Task A_registered_pipeline_shares_its_Redis_limiter_across_instances_on_the_cluster()
    {
        var name = $"api-{Guid.NewGuid():N}";
        using var firstConnection = fixture.Cluster.Connect();
        using var secondConnection = fixture.Cluster.Connect();
        await using var first = Instance(firstConnection, name);
        await using var second = Instance(secondConnection, name);
        var here = first.GetRequiredService<ResiliencePipelineProvider<string>>().GetPipeline("payments");
        var there = second.GetRequiredService<ResiliencePipelineProvider<string>>().GetPipeline("payments");

        await here.ExecuteAsync(static _ => ValueTask.CompletedTask);
        await here.ExecuteAsync(static _ => ValueTask.CompletedTask);

        await Assert.ThrowsAsync<RateLimiterRejectedException>(async () => await there.ExecuteAsync(static _ => ValueTask.CompletedTask));
    }

    private static ServiceProvider Instance(ConnectionMultiplexer connection, string limiter)
    {
        var services = new ServiceCollection();
        services.AddScalableResilience()
            .WithRedis(_ => connection)
            .AddRedisGcraRateLimiter(limiter, o => { o.PermitLimit = 2; o.Window = TimeSpan.FromMinutes(1); o.OutagePolicy = OutagePolicy.FailClosed; })
            .AddPipeline("payments", p => p.RateLimiter.LimiterName = limiter);
        return services.BuildServiceProvider();
    }
}
