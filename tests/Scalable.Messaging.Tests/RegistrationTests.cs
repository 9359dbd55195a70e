using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Scalable.Messaging.Tests;

public sealed class RegistrationTests
{
    [Fact]
    public void AddScalableMessaging_rejects_a_null_service_collection()
    {
        var error = Assert.Throws<ArgumentNullException>(() => ScalableServiceCollectionExtensionsShim.Add(null!));
        Assert.Equal("services", error.ParamName);
    }

    [Fact]
    public void AddScalableMessaging_applies_the_configure_callback()
    {
        var configured = false;
        using var provider = new ServiceCollection().AddScalableMessaging(_ => configured = true).BuildServiceProvider();

        _ = provider.GetRequiredService<IOptions<ScalableMessagingOptions>>().Value;

        Assert.True(configured);
    }

    private static class ScalableServiceCollectionExtensionsShim
    {
        public static IServiceCollection Add(IServiceCollection services) => services.AddScalableMessaging();
    }
}
