using System.Threading.RateLimiting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;
using Polly.Registry;
using Polly.Retry;
using Polly.Testing;
using Polly.Timeout;

namespace Scalable.Resilience.Tests;

public sealed class RegistrationTests
{
    [Fact]
    public void AddScalableResilience_rejects_a_null_service_collection()
    {
        var error = Assert.Throws<ArgumentNullException>(() => ScalableResilienceServiceCollectionExtensions.AddScalableResilience(null!));
        Assert.Equal("services", error.ParamName);
    }

    [Fact]
    public void Pipelines_come_from_configuration_and_code_overrides_win()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Pipelines:orders:TotalTimeout"] = "00:00:20",
            ["Pipelines:orders:Retry:MaxRetryAttempts"] = "5",
            ["Pipelines:orders:CircuitBreaker:BreakDuration"] = "00:00:07",
        }).Build();
        var services = new ServiceCollection();
        services.AddScalableResilience(configuration).AddPipeline("orders", p => p.Retry.MaxRetryAttempts = 2).AddPipeline("payments");
        using var provider = services.BuildServiceProvider();

        var options = provider.GetRequiredService<IOptions<ScalableResilienceOptions>>().Value;
        Assert.Equal(TimeSpan.FromSeconds(20), options.Pipelines["orders"].TotalTimeout);
        Assert.Equal(2, options.Pipelines["orders"].Retry.MaxRetryAttempts);
        Assert.Equal(TimeSpan.FromSeconds(7), options.Pipelines["orders"].CircuitBreaker.BreakDuration);
        Assert.Equal(TimeSpan.FromSeconds(30), options.Pipelines["payments"].TotalTimeout);

        var registry = provider.GetRequiredService<ResiliencePipelineRegistry<string>>();
        Assert.Same(registry.GetPipeline("orders"), provider.GetRequiredService<ResiliencePipelineProvider<string>>().GetPipeline("orders"));
        Assert.Throws<KeyNotFoundException>(() => registry.GetPipeline("unknown"));
    }

    [Fact]
    public void A_Polly_pipeline_and_a_Scalable_pipeline_live_in_one_registry()
    {
        var services = new ServiceCollection();
        services.AddResiliencePipeline("polly", builder => builder.AddTimeout(TimeSpan.FromSeconds(5)));
        services.AddScalableResilience().AddPipeline("scalable");
        services.AddResiliencePipeline("polly-after", builder => builder.AddTimeout(TimeSpan.FromSeconds(5)));
        using var provider = services.BuildServiceProvider();

        var pipelines = provider.GetRequiredService<ResiliencePipelineProvider<string>>();
        Assert.NotNull(pipelines.GetPipeline("polly"));
        Assert.NotNull(pipelines.GetPipeline("scalable"));
        Assert.NotNull(pipelines.GetPipeline("polly-after"));
        Assert.Same(pipelines, provider.GetRequiredService<ResiliencePipelineRegistry<string>>());
    }

    [Fact]
    public async Task AddScalableStandard_builds_the_preset_inside_AddResiliencePipeline_in_order()
    {
        var services = new ServiceCollection();
        services.AddScalableResilience().AddRateLimiter("one", _ => new ConcurrencyLimiter(new() { PermitLimit = 1, QueueLimit = 0 }));
        services.AddResiliencePipeline("search", (builder, context) => builder.AddScalableStandard(context, p => p.RateLimiter.LimiterName = "one"));
        await using var provider = services.BuildServiceProvider();

        var pipeline = provider.GetRequiredService<ResiliencePipelineProvider<string>>().GetPipeline("search");
        var strategies = pipeline.GetPipelineDescriptor().Strategies.Select(s => s.Options?.GetType()).ToArray();
        Assert.Equal(
            [typeof(RateLimiterStrategyOptions), typeof(TimeoutStrategyOptions), typeof(RetryStrategyOptions), typeof(CircuitBreakerStrategyOptions), typeof(TimeoutStrategyOptions)],
            strategies);
        using var held = provider.GetRequiredKeyedService<RateLimiter>("one").AttemptAcquire();
        await Assert.ThrowsAsync<RateLimiterRejectedException>(async () => await pipeline.ExecuteAsync(_ => ValueTask.CompletedTask));
    }

    [Fact]
    public void AddScalableStandard_refuses_a_bad_setting_naming_it()
    {
        var error = Assert.Throws<ArgumentException>(() => new ResiliencePipelineBuilder { Name = "p" }.AddScalableStandard(new StandardPipelineOptions { AttemptTimeout = TimeSpan.Zero }));
        Assert.Contains("Pipelines:p:AttemptTimeout", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Pipelines:p:Retry:MaxRetryAttempts", "0")]
    [InlineData("Pipelines:p:TotalTimeout", "00:00:00")]
    [InlineData("Pipelines:p:CircuitBreaker:FailureRatio", "1.5")]
    [InlineData("Pipelines:p:CircuitBreaker:MinimumThroughput", "1")]
    [InlineData("Pipelines:p:RateLimiter:PermitLimit", "0")]
    public void Invalid_settings_fail_at_start_naming_the_setting(string setting, string value)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [setting] = value }).Build();
        var services = new ServiceCollection();
        services.AddScalableResilience(configuration);
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());
        Assert.Contains(setting, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_named_limiter_registered_with_the_builder_guards_the_pipeline()
    {
        var services = new ServiceCollection();
        services.AddScalableResilience()
            .AddRateLimiter("one-per-minute", _ => new FixedWindowRateLimiter(new() { PermitLimit = 1, Window = TimeSpan.FromMinutes(1), AutoReplenishment = false }))
            .AddPipeline("api", p => p.RateLimiter.LimiterName = "one-per-minute");
        await using var provider = services.BuildServiceProvider();
        var pipeline = provider.GetRequiredService<ResiliencePipelineProvider<string>>().GetPipeline("api");

        Assert.Equal(1, await pipeline.ExecuteAsync(_ => ValueTask.FromResult(1)));
        await Assert.ThrowsAsync<RateLimiterRejectedException>(async () => await pipeline.ExecuteAsync(_ => ValueTask.FromResult(2)));
    }

    [Fact]
    public void A_pipeline_naming_an_unregistered_limiter_or_sharing_a_breaker_without_Redis_fails_at_start()
    {
        var services = new ServiceCollection();
        services.AddScalableResilience()
            .AddPipeline("api", p => p.RateLimiter.LimiterName = "missing")
            .AddPipeline("payments", p => p.CircuitBreaker.SharedName = "payments");
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());
        Assert.Contains("Pipelines:api:RateLimiter:LimiterName is 'missing'", error.Message, StringComparison.Ordinal);
        Assert.Contains("Pipelines:payments:CircuitBreaker:SharedName", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Timeouts_and_the_breaker_window_are_checked_against_each_other_at_start()
    {
        var services = new ServiceCollection();
        services.AddScalableResilience()
            .AddPipeline("slow", p => { p.AttemptTimeout = TimeSpan.FromSeconds(30); p.TotalTimeout = TimeSpan.FromSeconds(30); })
            .AddPipeline("short-window", p => { p.AttemptTimeout = TimeSpan.FromSeconds(10); p.CircuitBreaker.SamplingDuration = TimeSpan.FromSeconds(15); });
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());
        Assert.Contains("Pipelines:slow:AttemptTimeout", error.Message, StringComparison.Ordinal);
        Assert.Contains("Pipelines:short-window:CircuitBreaker:SamplingDuration", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Pipeline_names_that_differ_only_in_case_fail_at_start_as_configuration_keys_would_merge_them()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Pipelines:orders:TotalTimeout"] = "00:00:20",
        }).Build();
        var services = new ServiceCollection();
        services.AddScalableResilience(configuration).AddPipeline("Orders", p => p.Retry.MaxRetryAttempts = 2);
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());
        Assert.Contains("'orders'", error.Message, StringComparison.Ordinal);
        Assert.Contains("'Orders'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_second_WithRedis_or_a_limiter_name_registered_twice_is_refused_naming_it()
    {
        var builder = new ServiceCollection().AddScalableResilience()
            .WithRedis(_ => throw new InvalidOperationException("not called"))
            .AddAdaptiveConcurrencyLimiter("api");

        var redis = Assert.Throws<InvalidOperationException>(() => builder.WithRedis(_ => throw new InvalidOperationException("not called")));
        Assert.Contains("WithRedis", redis.Message, StringComparison.Ordinal);
        var limiter = Assert.Throws<InvalidOperationException>(() => builder.AddRedisGcraRateLimiter("api"));
        Assert.Contains("'api'", limiter.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => builder.AddRateLimiter("api", _ => new ConcurrencyLimiter(new ConcurrencyLimiterOptions { PermitLimit = 1 })));
    }
}
