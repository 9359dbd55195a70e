using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Scalable.Caching;
using Scalable.Resilience;
using Scalable.Sharding;
using StackExchange.Redis;

// A child process that the tests kill with SIGKILL, so that what they test is really gone (no finally, no dispose,
// no socket closed politely). It prints a line when it has reached the state the test kills it in.
//   lease-holder <redis> <key prefix> <key> <lease ms>: holds the distributed lease of <key> inside a factory that never ends.
//   relay <postgres> <kafka bootstrap> <batch size>: runs the outbox relay as a user's host does.
//   permit-holder <redis> <limiter name> <lease ms>: holds the one permit of a Redis concurrency limiter and renews it.
//   shard-mover <batch size> <shard0> .. <shardN>: moves users from the first N shards to all N + 1 (ShardMove) and stops,
//     holding its lock, inside the first progress report after a range is copied, printing "copying".
return args switch
{
    ["lease-holder", var redis, var prefix, var key, var leaseMs] => await HoldLeaseAsync(redis, prefix, key, TimeSpan.FromMilliseconds(int.Parse(leaseMs, System.Globalization.CultureInfo.InvariantCulture))),
    ["relay", var postgres, var bootstrap, var batchSize] => await RunRelayAsync(postgres, bootstrap, int.Parse(batchSize, System.Globalization.CultureInfo.InvariantCulture)),
    ["permit-holder", var redis, var name, var leaseMs] => await HoldPermitAsync(redis, name, TimeSpan.FromMilliseconds(int.Parse(leaseMs, System.Globalization.CultureInfo.InvariantCulture))),
    ["shard-mover", var batchSize, .. var shards] => await MoveShardsAsync(int.Parse(batchSize, System.Globalization.CultureInfo.InvariantCulture), shards),
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

static async Task<int> MoveShardsAsync(int batchSize, string[] shards)
{
    // The same registration, topologies and table as the test's own mover, so both work on the same move.
    await using var provider = new ServiceCollection().AddScalableSharding(o =>
    {
        for (var i = 0; i < shards.Length - 1; i++)
        {
            o.Shards.Add(new ShardOptions { Name = $"shard{i}", ConnectionString = shards[i] });
        }
    }).Services.BuildServiceProvider();
    var database = provider.GetRequiredService<ShardedDatabase>();
    var from = database.Topology;
    var to = ShardTopology.Create(shards.Select((cs, i) => new ShardDefinition($"shard{i}", cs)), from.RouterKind, version: from.Version + 1);
    var move = new ShardMove(database, from, to, [new ReshardingTable("users", "id")], new ShardMoveOptions { BatchSize = batchSize, ProcessRefreshWait = TimeSpan.FromSeconds(1) });
    await move.RunAsync(new StopMidCopy());
    return 1;
}

static int Usage()
{
    Console.Error.WriteLine("usage: Scalable.TestHost lease-holder <redis> <prefix> <key> <lease ms> | relay <postgres> <bootstrap> <batch size> | permit-holder <redis> <name> <lease ms> | shard-mover <batch size> <shard>...");
    return 2;
}

// Reports on the mover's own thread, after the range record is saved: the mover stops right there, mid-copy, until killed.
internal sealed class StopMidCopy : IProgress<ShardMoveProgress>
{
    public void Report(ShardMoveProgress value)
    {
        if (value.Phase == ShardMovePhase.Copying && value.RangesDone >= 1)
        {
            Console.WriteLine($"ranges {value.RangesDone}, rows {value.RowsCopied}");
            Console.WriteLine("copying");
            Thread.Sleep(Timeout.Infinite);
        }
    }
}
