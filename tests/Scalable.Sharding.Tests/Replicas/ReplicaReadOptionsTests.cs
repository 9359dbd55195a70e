using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Scalable.Sharding.Tests.Support;

namespace Scalable.Sharding.Tests.Replicas;

public sealed class ReplicaReadOptionsTests
{
    [Theory]
    [InlineData("MaxLag", "ScalableShardingOptions.ReplicaReads.MaxLag must be positive")]
    [InlineData("LagProbeInterval", "ScalableShardingOptions.ReplicaReads.LagProbeInterval must be positive")]
    [InlineData("ReadYourWritesWait", "ScalableShardingOptions.ReplicaReads.ReadYourWritesWait must be zero or positive")]
    public void A_bad_replica_setting_is_refused_with_its_name(string setting, string expected)
    {
        using var provider = ShardedDatabases.Build(["Host=localhost;Database=app"], options =>
        {
            var replicas = options.ReplicaReads;
            _ = setting switch
            {
                "MaxLag" => replicas.MaxLag = TimeSpan.Zero,
                "LagProbeInterval" => replicas.LagProbeInterval = TimeSpan.FromSeconds(-1),
                _ => replicas.ReadYourWritesWait = TimeSpan.FromMilliseconds(-1),
            };
        });

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptionsMonitor<ScalableShardingOptions>>().CurrentValue);

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_defaults_bound_lag_at_five_seconds_probe_every_second_and_wait_a_tenth_of_a_second_for_read_your_writes()
    {
        var options = new ScalableShardingOptions().ReplicaReads;

        Assert.Equal((TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(100)), (options.MaxLag, options.LagProbeInterval, options.ReadYourWritesWait));
    }

    [Fact]
    public void The_replica_settings_bind_from_configuration()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Sharding:Shards:0:Name"] = "eu",
            ["Sharding:Shards:0:ConnectionString"] = "Host=pg-eu;Database=app",
            ["Sharding:Shards:0:ReadReplicas:0"] = "Host=pg-eu-r1;Database=app",
            ["Sharding:ReplicaReads:MaxLag"] = "00:00:02",
            ["Sharding:ReplicaReads:LagProbeInterval"] = "00:00:00.250",
            ["Sharding:ReplicaReads:ReadYourWritesWait"] = "00:00:00",
        }).Build();
        using var provider = new ServiceCollection().AddScalableSharding(configuration.GetSection("Sharding")).Services.BuildServiceProvider();

        var options = provider.GetRequiredService<IOptionsMonitor<ScalableShardingOptions>>().CurrentValue.ReplicaReads;

        Assert.Equal((TimeSpan.FromSeconds(2), TimeSpan.FromMilliseconds(250), TimeSpan.Zero), (options.MaxLag, options.LagProbeInterval, options.ReadYourWritesWait));
    }
}
