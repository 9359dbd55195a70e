using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Scalable.Caching;
using Scalable.Resilience;
using StackExchange.Redis;

// A child process that the tests kill with SIGKILL, so that what they test is really gone (no finally, no dispose,
// no socket closed politely). It prints a line when it has reached the state the test kills it in.
//   lease-holder <redis> <key prefix> <key> <lease ms>: holds the distributed lease of <key> inside a factory that never ends.
//   relay <postgres> <kafka bootstrap> <batch size>: runs the outbox relay as a user's host does.
//   permit-holder <redis> <limiter name> <lease ms>: holds the one permit of a Redis concurrency limiter and renews it.
return args switch
{
    ["lease-holder", var redis, var prefix, var key, var leaseMs] => await HoldLeaseAsync(redis, prefix, key, TimeSpan.FromMilliseconds(int.Parse(leaseMs, System.Globalization.CultureInfo.InvariantCulture))),
    ["relay", var postgres, var bootstrap, var batchSize] => await RunRelayAsync(postgres, bootstrap, int.Parse(batchSize, System.Globalization.CultureInfo.InvariantCulture)),
    ["permit-holder", var redis, var name, var leaseMs] => await HoldPermitAsync(redis, name, TimeSpan.FromMilliseconds(int.Parse(leaseMs, System.Globalization.CultureInfo.InvariantCulture))),
    _ => Usage(),
};

static async Task<int> HoldLeaseAsync(string redis, string prefix, string key, TimeSpan lease)
{
    var services = new ServiceCollection();
    services.AddScalableCaching(o =>
    {
        o.KeyPrefix = prefix;
        o.LeaseDuration = lease;
    }).WithRedis(redis);
    await using var provider = services.BuildServiceProvider();
    var cache = provider.GetRequiredService<IScalableCache>();
    await cache.GetOrCreateAsync<string>(key, async ct =>
    {
        Console.WriteLine("in-factory");
        await Task.Delay(Timeout.Infinite, ct);
        return "from the killed holder";
    });
    return 0;
}

static async Task<int> RunRelayAsync(string postgres, string bootstrap, int batchSize)
{
    var builder = Host.CreateApplicationBuilder();
    builder.Services.AddScalableMessaging(o =>
    {
        o.ConnectionString = postgres;
        o.Producer.BootstrapServers = bootstrap;
        o.BatchSize = batchSize;
        o.PollingInterval = TimeSpan.FromMilliseconds(200);
        // The test made the tables and may hold a lock on them that the DDL would wait for.
        o.CreateSchemaOnStart = false;
    });
    using var host = builder.Build();
    await host.StartAsync();
    Console.WriteLine("started");
    await host.WaitForShutdownAsync();
    return 0;
}

static async Task<int> HoldPermitAsync(string redis, string name, TimeSpan lease)
{
    using var connection = await ConnectionMultiplexer.ConnectAsync(redis);
    using var limiter = new RedisConcurrencyLimiter(connection, new RedisConcurrencyLimiterOptions { Name = name, PermitLimit = 1, LeaseDuration = lease });
    using var permit = await limiter.AcquireAsync();
    if (!permit.IsAcquired)
    {
        return 1;
    }

    Console.WriteLine("acquired");
    while (await limiter.RenewAsync(permit))
    {
        await Task.Delay(lease / 3);
    }

    return 1;
}

static int Usage()
{
    Console.Error.WriteLine("usage: Scalable.TestHost lease-holder <redis> <prefix> <key> <lease ms> | relay <postgres> <bootstrap> <batch size> | permit-holder <redis> <name> <lease ms>");
    return 2;
}
