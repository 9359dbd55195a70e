using System.Threading.RateLimiting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Polly.Registry;
using Scalable.TestSupport;

namespace Scalable.Resilience.Tests;

public sealed class RegisteredLimiterTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    [Fact]
    public async Task A_registered_Redis_limiter_limits_a_pipeline_across_two_instances()
    {
        var name = $"orders-{Guid.NewGuid():N}";
        await using var first = Instance(name);
        await using var second = Instance(name);
        var a = first.GetRequiredService<ResiliencePipelineProvider<string>>().GetPipeline("orders");
        var b = second.GetRequiredService<ResiliencePipelineProvider<string>>().GetPipeline("orders");

        await a.ExecuteAsync(_ => ValueTask.CompletedTask);
        await b.ExecuteAsync(_ => ValueTask.CompletedTask);
        var rejected = await Assert.ThrowsAsync<RateLimiterRejectedException>(async () => await a.ExecuteAsync(_ => ValueTask.CompletedTask));
        Assert.NotNull(rejected.RetryAfter);
        Assert.IsType<RedisGcraRateLimiter>(first.GetRequiredKeyedService<RateLimiter>(name));
    }

    [Theory]
    [InlineData("gcra", "Window")]
    [InlineData("sliding", "PermitLimit")]
    [InlineData("concurrency", "LeaseDuration")]
    [InlineData("adaptive", "MinLimit")]
    public void Registered_limiters_with_bad_settings_fail_at_start_naming_the_setting(string kind, string setting)
    {
        var services = new ServiceCollection();
        var builder = services.AddScalableResilience().WithRedis(_ => throw new InvalidOperationException("not reached"));
        _ = kind switch
        {
            "gcra" => builder.AddRedisGcraRateLimiter("bad", o => o.Window = TimeSpan.Zero),
            "sliding" => builder.AddRedisSlidingWindowRateLimiter("bad", o => o.PermitLimit = -1),
            "concurrency" => builder.AddRedisConcurrencyLimiter("bad", o => o.LeaseDuration = TimeSpan.Zero),
            _ => builder.AddAdaptiveConcurrencyLimiter("bad", o => o.MinLimit = 0),
        };
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());
        Assert.Contains(setting, error.Message, StringComparison.Ordinal);
        Assert.Contains("'bad'", error.Message, StringComparison.Ordinal);
    }

    private ServiceProvider Instance(string limiterName)
    {
        var services = new ServiceCollection();
        services.AddScalableResilience()
            .WithRedis(_ => redis.Connect())
            .AddRedisGcraRateLimiter(limiterName, o =>
            {
                o.PermitLimit = 1;
                o.Window = TimeSpan.FromMinutes(1);
                o.BurstLimit = 2;
                o.DecisionTimeout = TimeSpan.FromSeconds(30); // a loaded machine's slow first call is not an outage here
            })
            .AddPipeline("orders", p => p.RateLimiter.LimiterName = limiterName);
        return services.BuildServiceProvider();
    }
}
