using System.Diagnostics;
using System.Reflection;
using Xunit.Abstractions;
using Scalable.Caching;
using Scalable.Messaging;
using Scalable.Resilience;
using Scalable.Sharding;

namespace Scalable.Packaging.Tests;

// The stack our users run: an app outside the solution installs our packages from a package folder, brings
// StackExchange.Redis 3.4.35 and Confluent.Kafka 2.16.0 itself (newer than our floors), and calls every public member
// of ours that takes one of their types, against a real Redis, PostgreSQL and Kafka-protocol cluster.
public sealed class ConsumerAppTests(ConsumerAppFixture app, RedisFixture redis, PostgresFixture postgres, KafkaFixture kafka, ITestOutputHelper output)
    : IClassFixture<ConsumerAppFixture>, IClassFixture<RedisFixture>, IClassFixture<PostgresFixture>, IClassFixture<KafkaFixture>
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(3);
    private static readonly Assembly[] Packages =
        [typeof(IScalableCache).Assembly, typeof(ShardedDatabase).Assembly, typeof(Outbox).Assembly, typeof(SharedCircuitBreaker).Assembly];

    private static readonly string[] Registrations = ["AddScalableCaching", "AddScalableSharding", "AddScalableMessaging", "AddScalableResilience"];

    [Fact]
    public async Task The_app_runs_every_client_typed_member_against_real_servers_on_its_own_client_versions()
    {
        var environment = new Dictionary<string, string>
        {
            ["Redis"] = redis.Server.ConnectionString,
            ["Postgres"] = await postgres.Server.CreateDatabaseAsync("outbox"),
            ["Kafka"] = kafka.Cluster.BootstrapServers,
            ["Topic"] = kafka.CreateTopic(partitions: 1, prefix: "orders"),
            ["DeadLetterTopic"] = kafka.CreateTopic(partitions: 1, prefix: "orders-dead"),
            ["Logging__LogLevel__Default"] = "Warning",
        };
        var shards = await postgres.Server.CreateDatabasesAsync(2);
        for (var i = 0; i < shards.Count; i++)
        {
            environment[$"Sharding__Shards__{i}__Name"] = $"shard{i}";
            environment[$"Sharding__Shards__{i}__ConnectionString"] = shards[i];
        }

        var stopwatch = Stopwatch.StartNew();
        var run = await ProcessResult.RunAsync(ConsumerAppFixture.Dotnet, [app.AppAssembly], app.AppFolder, RunTimeout, environment);
        output.WriteLine($"pack {app.PackTime}, restore and build {app.BuildTime}, run {stopwatch.Elapsed}");
        output.WriteLine(run.Output);

        Assert.True(run.ExitCode == 0, $"The consumer app failed, {run}");
        Assert.Contains($"clients: StackExchange.Redis {app.ClientVersion("StackExchange.Redis")}, Confluent.Kafka {app.ClientVersion("Confluent.Kafka")}", run.Output, StringComparison.Ordinal);
        var passed = run.Output.Split('\n')
            .Where(line => line.StartsWith("ok ", StringComparison.Ordinal) && line.Contains(": ", StringComparison.Ordinal))
            .SelectMany(line => line[3..line.IndexOf(": ", StringComparison.Ordinal)].Split(", "))
            .ToHashSet(StringComparer.Ordinal);
        var expected = ClientTypedApi.Find(Packages).Select(m => m.Label).Concat(Registrations).ToList();
        Assert.True(expected.All(passed.Contains), $"No \"ok\" line for: {string.Join(", ", expected.Where(l => !passed.Contains(l)))}, {run}");
    }

    [Fact]
    public void The_app_calls_every_public_member_that_takes_a_StackExchange_Redis_or_Confluent_Kafka_type()
    {
        var members = ClientTypedApi.Find(Packages);
        // The scan sees through delegates and properties, so an empty or shrunken list cannot pass unnoticed.
        Assert.Contains(members, m => m.Label == "ScalableCachingBuilder.WithRedis");
        Assert.Contains(members, m => m.Label == "ScalableMessagingOptions.Producer");

        var used = Packages.SelectMany(a => a.GetExportedTypes()).Select(t => t.Namespace!).Distinct()
            .SelectMany(space => PackageApiCheck.Referenced(app.AppAssembly, space))
            .ToHashSet(StringComparer.Ordinal);
        output.WriteLine(string.Join("\n", members));
        var unused = members.Where(m => !m.Entries.Any(used.Contains)).ToList();
        Assert.True(
            unused.Count == 0,
            "tests/Scalable.Packaging.Tests/ConsumerApp/Program.cs never calls these public members, whose signatures name a "
            + "StackExchange.Redis or Confluent.Kafka type; call each there against the real servers and print \"ok <label>: ...\":\n"
            + string.Join("\n", unused));
    }
}
