using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace Scalable.Samples.Tests;

/// <summary>Hosts the sample exactly as build/run-sample.sh runs it: it starts its own Redis, PostgreSQL shards and Kafka mock cluster.</summary>
public class UsersApiFactory : WebApplicationFactory<Program>
{
    /// <summary>Gets the sample's log records (warnings and above).</summary>
    public FakeLogCollector Logs { get; } = new();

    protected virtual int RequestsPerSecond => 10_000;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
        => builder
            .UseSetting("Sample:RequestsPerSecond", RequestsPerSecond.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .UseSetting("Logging:LogLevel:Default", "Warning")
            .ConfigureServices(services => services.AddSingleton<ILoggerProvider>(new FakeLoggerProvider(Logs)));
}

/// <summary>The sample with a low request limit, to see the Redis rate limiter answer 429.</summary>
public sealed class LimitedUsersApiFactory : UsersApiFactory
{
    protected override int RequestsPerSecond => 5;
}
