using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Scalable.Caching.Tests;

public sealed class RegistrationTests
{
    [Fact]
    public void AddScalableCaching_rejects_a_null_service_collection()
    {
        var error = Assert.Throws<ArgumentNullException>(() => ScalableCachingServiceCollectionExtensions.AddScalableCaching(null!));
        Assert.Equal("services", error.ParamName);
    }

    [Fact]
    public async Task AddScalableCaching_twice_registers_one_cache_with_the_configured_options()
    {
        var services = new ServiceCollection();
        services.AddScalableCaching(o => o.MaximumKeyLength = 10);
        services.AddScalableCaching();
        using var provider = services.BuildServiceProvider();

        Assert.Same(provider.GetRequiredService<IScalableCache>(), provider.GetRequiredService<IScalableCache>());
        Assert.Single(services, d => d.ServiceType == typeof(IScalableCache));
        var error = await Assert.ThrowsAsync<ArgumentException>(async () => await provider.GetRequiredService<IScalableCache>().TryGetAsync<int>(new string('k', 11)));
        Assert.Equal("key", error.ParamName);
    }

    [Fact]
    public async Task Invalid_options_fail_the_host_at_start_naming_the_setting()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddScalableCaching(o =>
        {
            o.L1SizeLimitBytes = 0;
            o.DefaultEntryOptions = new() { Duration = TimeSpan.Zero };
            o.KeyRemovalRetention = TimeSpan.Zero;
        });
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("L1SizeLimitBytes", error.Message, StringComparison.Ordinal);
        Assert.Contains("DefaultEntryOptions.Duration", error.Message, StringComparison.Ordinal);
        Assert.Contains("KeyRemovalRetention", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Invalid_options_fail_when_the_cache_is_resolved_without_a_host()
    {
        using var provider = new ServiceCollection().AddScalableCaching(o => o.LeaseDuration = TimeSpan.FromMilliseconds(1)).Services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IScalableCache>());

        Assert.Contains("LeaseDuration", error.Message, StringComparison.Ordinal);
    }
}
