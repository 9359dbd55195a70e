using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Scalable.Sharding.Tests.Support;

namespace Scalable.Sharding.Tests;

public sealed class RegistrationTests
{
    private const string Cs = "Host=127.0.0.1;Port=5432;Username=app;Database=";

    [Fact]
    public void AddScalableSharding_rejects_a_null_service_collection()
    {
        var error = Assert.Throws<ArgumentNullException>(() => ScalableShardingServiceCollectionExtensions.AddScalableSharding(null!));
        Assert.Equal("services", error.ParamName);
    }

    [Fact]
    public void The_shard_map_binds_from_configuration_with_replicas_and_weights()
    {
        var configuration = Configuration(new()
        {
            ["Sharding:Router"] = "Rendezvous",
            ["Sharding:Shards:0:Name"] = "eu",
            ["Sharding:Shards:0:ConnectionString"] = Cs + "eu",
            ["Sharding:Shards:0:ReadReplicas:0"] = Cs + "eu_replica",
            ["Sharding:Shards:1:Name"] = "us",
            ["Sharding:Shards:1:ConnectionString"] = Cs + "us",
            ["Sharding:Shards:1:Weight"] = "2",
        });
        using var provider = new ServiceCollection().AddScalableSharding(configuration.GetSection("Sharding")).Services.BuildServiceProvider();

        var topology = provider.GetRequiredService<ShardMap>().Current;

        Assert.Equal(ShardRouterKind.Rendezvous, topology.RouterKind);
        Assert.Equal(["eu", "us"], topology.Shards.Select(s => s.Name));
        Assert.Equal([Cs + "eu_replica"], topology.GetShardByName("eu").ReadReplicas);
        Assert.Equal(2.0, topology.GetShardByName("us").Weight);
    }

    [Fact]
    public void Reloading_configuration_swaps_in_a_new_topology_version_atomically()
    {
        var configuration = Configuration(Shards(3));
        using var provider = new ServiceCollection().AddScalableSharding(configuration).Services.BuildServiceProvider();
        var map = provider.GetRequiredService<ShardMap>();
        var first = map.Current;
        ShardTopology? seenOld = null, seenNew = null;
        map.TopologyChanged += (o, n) => (seenOld, seenNew) = (o, n);

        foreach (var (key, value) in Shards(4))
        {
            configuration[key] = value;
        }

        configuration.Reload();

        Assert.Equal(4, map.Current.Shards.Count);
        Assert.True(map.Current.Version > first.Version);
        Assert.Same(first, seenOld);
        Assert.Same(map.Current, seenNew);
        Assert.Equal(3, first.Shards.Count);
    }

    [Fact]
    public async Task An_invalid_reload_is_logged_as_rejected_the_previous_topology_stays_and_a_later_valid_reload_is_applied()
    {
        var logs = new CapturingLoggerProvider();
        var configuration = Configuration(Shards(2));
        await using var provider = new ServiceCollection()
            .AddLogging(b => b.AddProvider(logs))
            .AddScalableSharding(configuration).Services.BuildServiceProvider();
        var map = provider.GetRequiredService<ShardMap>();
        var database = provider.GetRequiredService<ShardedDatabase>();
        var before = map.Current;

        configuration["Shards:1:Name"] = "shard0";
        ReloadIgnoringValidationErrors(configuration);

        // The reload reached the shard map and was rejected there: event 2 names the version that stays.
        Assert.Same(before, map.Current);
        var rejected = Assert.Single(logs.Events, e => e.Category == typeof(ShardMap).FullName && e.Id.Id == 2);
        Assert.Equal(LogLevel.Error, rejected.Level);
        Assert.Contains("version 1 stays in use", rejected.Message, StringComparison.Ordinal);

        // What reads the settings keeps working on the accepted ones (each shard answers or fails; the call itself does not throw).
        var gathered = await database.ScatterGatherAsync((_, shard, _) => Task.FromResult(shard.Name));
        Assert.Equal(2, gathered.Results.Count + gathered.Failures.Count);

        foreach (var (key, value) in Shards(3))
        {
            configuration[key] = value;
        }

        configuration.Reload();

        Assert.Equal(before.Version + 1, map.Current.Version);
        Assert.Equal(["shard0", "shard1", "shard2"], map.Current.Shards.Select(s => s.Name));
        Assert.Single(logs.Events, e => e.Category == typeof(ShardMap).FullName && e.Id.Id == 2);
    }

    [Fact]
    public void Swaps_and_rejected_topologies_are_logged_with_stable_event_ids()
    {
        var logs = new CapturingLoggerProvider();
        var map = new ShardMap(
            ShardTopology.Create([new ShardDefinition("a", Cs + "a")]),
            LoggerFactory.Create(b => b.AddProvider(logs)).CreateLogger<ShardMap>());

        map.Swap(ShardTopology.Create([new ShardDefinition("a", Cs + "a"), new ShardDefinition("b", Cs + "b")], version: 2));

        var swapped = Assert.Single(logs.Events, e => e.Id.Id == 1);
        Assert.Equal(LogLevel.Information, swapped.Level);
        Assert.Contains("version 1 replaced by version 2 with 2 shards", swapped.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => map.Swap(ShardTopology.Create([new ShardDefinition("c", Cs + "c")], version: 2)));
        Assert.Equal(2, map.Current.Version);
    }

    [Fact]
    public void A_rejected_reload_is_logged_as_an_error()
    {
        var logs = new CapturingLoggerProvider();
        var options = new ScalableShardingOptions();
        options.Shards.Add(new ShardOptions { Name = "a", ConnectionString = Cs + "a" });
        var monitor = new TestMonitor(options);
        using var map = new ShardMap(monitor, LoggerFactory.Create(b => b.AddProvider(logs)).CreateLogger<ShardMap>());

        monitor.Change(new ScalableShardingOptions());

        Assert.Equal(1, map.Current.Version);
        var rejected = Assert.Single(logs.Events, e => e.Id.Id == 2);
        Assert.Equal(LogLevel.Error, rejected.Level);
    }

    [Theory]
    [InlineData(null, "Shards must list at least one shard")]
    [InlineData("dup", "Shards[1].Name 'shard0' is a duplicate")]
    [InlineData("weight", "Shards[0].Weight must be a positive number")]
    [InlineData("connection", "Shards[0].ConnectionString is required")]
    [InlineData("jump", "Weight must be 1 with Router JumpHash")]
    [InlineData("refresh", "MoveRefreshInterval must be positive")]
    [InlineData("fence", "MoveFenceWait must be positive")]
    public async Task An_invalid_shard_map_fails_the_host_at_start_naming_the_setting(string? problem, string expected)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddScalableSharding(options =>
        {
            if (problem is null)
            {
                return;
            }

            options.Shards.Add(new ShardOptions { Name = "shard0", ConnectionString = Cs + "a" });
            options.Shards.Add(new ShardOptions { Name = problem == "dup" ? "shard0" : "shard1", ConnectionString = Cs + "b" });
            (options.Shards[0].Weight, options.Shards[0].ConnectionString, options.Router) = problem switch
            {
                "weight" => (-1, Cs + "a", ShardRouterKind.HashRing),
                "connection" => (1, " ", ShardRouterKind.HashRing),
                "jump" => (3, Cs + "a", ShardRouterKind.JumpHash),
                _ => (1, Cs + "a", ShardRouterKind.HashRing),
            };
            options.MoveRefreshInterval = problem == "refresh" ? TimeSpan.Zero : options.MoveRefreshInterval;
            options.MoveFenceWait = problem == "fence" ? TimeSpan.FromSeconds(-1) : options.MoveFenceWait;
        });
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_shard_names_are_rejected_listing_the_known_ones()
    {
        var topology = ShardTopology.Create([new ShardDefinition("a", Cs + "a"), new ShardDefinition("b", Cs + "b")]);

        var error = Assert.Throws<ArgumentException>(() => topology.GetShardByName("c"));

        Assert.Contains("Unknown shard 'c'. Known shards: a, b.", error.Message, StringComparison.Ordinal);
    }

    private static Dictionary<string, string?> Shards(int count)
    {
        var values = new Dictionary<string, string?>();
        for (var i = 0; i < count; i++)
        {
            values[$"Shards:{i}:Name"] = $"shard{i}";
            values[$"Shards:{i}:ConnectionString"] = Cs + $"db{i}";
        }

        return values;
    }

    // A reload that fails validation also throws out of Reload (the options monitor validates before its listeners run).
    private static void ReloadIgnoringValidationErrors(IConfigurationRoot configuration)
    {
        try
        {
            configuration.Reload();
        }
        catch (AggregateException ex) when (ex.InnerExceptions.All(e => e is OptionsValidationException))
        {
        }
    }

    private static IConfigurationRoot Configuration(Dictionary<string, string?> values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values).Build();

    private sealed class TestMonitor(ScalableShardingOptions initial) : IOptionsMonitor<ScalableShardingOptions>
    {
        private Action<ScalableShardingOptions, string?>? _listener;

        public ScalableShardingOptions CurrentValue { get; private set; } = initial;

        public ScalableShardingOptions Get(string? name) => CurrentValue;

        public IDisposable OnChange(Action<ScalableShardingOptions, string?> listener)
        {
            _listener = listener;
            return new CancellationTokenSource();
        }

        public void Change(ScalableShardingOptions options)
        {
            CurrentValue = options;
            _listener?.Invoke(options, null);
        }
    }
}
