using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace Scalable.Samples.Tests;

/// <summary>One instance of the sample, in process, pointed at the servers of a <see cref="SampleCluster"/>.</summary>
public sealed class SampleInstance(IReadOnlyDictionary<string, string?> settings, Action<IServiceCollection>? configureServices = null) : WebApplicationFactory<Program>
{
    /// <summary>Gets the instance's log records (warnings and above).</summary>
    public FakeLogCollector Logs { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in settings)
        {
            builder.UseSetting(key, value);
        }

        builder
            .UseSetting("Logging:LogLevel:Default", "Warning")
            .ConfigureServices(services =>
            {
                services.AddSingleton<ILoggerProvider>(new FakeLoggerProvider(Logs));
                configureServices?.Invoke(services);
            });
    }
}
