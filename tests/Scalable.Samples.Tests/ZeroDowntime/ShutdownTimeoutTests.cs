using System.Diagnostics;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Scalable.Messaging;
using Scalable.Samples.UsersApi;
using Scalable.TestSupport;
using Xunit.Abstractions;

namespace Scalable.Samples.Tests.ZeroDowntime;

// The sample's host holds every package's hosted parts: the outbox relays (one per shard), the Kafka consumer loop and the
// cache with its Redis backplane. Stopped while Kafka and Redis hang, it must still stop within its shutdown timeout.
[Collection(SampleClusterCollection.Name)]
public sealed class ShutdownTimeoutTests(SampleCluster cluster, ITestOutputHelper output)
{
    private static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(3);

    // A bound, not a timing: hung servers must not hold the host past its timeout by more than this.
    private static readonly TimeSpan Margin = TimeSpan.FromSeconds(12);

    [Fact]
    public async Task The_host_stops_within_its_shutdown_timeout_while_kafka_and_redis_hang_and_no_event_is_doubled()
    {
        // Its consumer cannot leave the group while Kafka hangs; once Kafka answers again its abandoned loop commits, leaves
        // the group and closes, and instance A takes its partitions over. Its poll interval (the rebalance timeout of its
        // joins) stays at the default, as A's: a shorter one makes a JoinGroup time out while the coordinator still waits for
        // the other members, and each retry joins as a new member that the group then waits for.
        var instance = cluster.CreateInstance(
            ("Sample:RunConsumer", "true"),
            ("Sample:ShutdownTimeout", "00:00:03"),
            ("Logging:LogLevel:Scalable.Messaging.Consumer", "Information"));
        using var client = instance.CreateClient();
        var created = new List<Guid> { (await client.CreateUserAsync("Before hang", "before.hang@example.com")).Id };

        // The stop must find the consumer in the group. A consumer stopped while its first JoinGroup waits for an answer
        // does not know its member id yet, so librdkafka closes it without leaving: the coordinator keeps that member until
        // it expires, and the group (instance A) waits for it. That is a different case from the one tested here.
        await Eventually.TrueAsync(
            () => instance.Logs.GetSnapshot().Any(r => r.Id.Id == 5107), // ConsumerLog.Assigned
            TimeSpan.FromSeconds(60),
            "the stopped instance's consumer to have joined the group and been assigned its partitions");
        var host = instance.Services.GetRequiredService<IHost>();
        try
        {
            // Kafka answers nothing (every response delayed by 25 s, well past the bound below) while events wait in the outboxes, then Redis freezes.
            cluster.KafkaCluster.SetBrokerRoundTrip(1, TimeSpan.FromSeconds(25));
            for (var i = 0; i < 6; i++)
            {
                created.Add((await client.CreateUserAsync($"During hang {i}", $"during.hang.{i}@example.com")).Id);
            }

            await cluster.Redis.PauseAsync();

            var watch = Stopwatch.StartNew();
            await host.StopAsync();
            watch.Stop();
            output.WriteLine($"StopAsync returned after {watch.Elapsed.TotalSeconds:0.0} s (shutdown timeout {ShutdownTimeout.TotalSeconds:0} s).");
            Assert.True(watch.Elapsed < ShutdownTimeout + Margin, $"StopAsync took {watch.Elapsed.TotalSeconds:0.0} s with a shutdown timeout of {ShutdownTimeout.TotalSeconds:0} s.");
        }
        finally
        {
            await cluster.Redis.ResumeAsync();
            cluster.KafkaCluster.SetBrokerRoundTrip(1, TimeSpan.Zero);
        }

        await instance.DisposeAsync();
        await BackplaneWorksAgainAsync();

        // Once the servers answer again the other instances publish what was left and the consumer (instance A) records
        // each event once: a batch abandoned at the timeout is published again, and the inbox skips what arrives twice.
        var logsBefore = cluster.A.Logs.Count;
        try
        {
            await RollChecks.AssertEachCreatedOnceAsync(cluster.B.Services, created);
        }
        finally
        {
            // What instance A said meanwhile and what each shard's outbox still holds (shown when the check fails).
            foreach (var record in cluster.A.Logs.GetSnapshot().Skip(logsBefore).TakeLast(40))
            {
                output.WriteLine($"A {record.Timestamp:HH:mm:ss.fff} {record.Level} {record.Category} {record.Id} {record.Message} {record.Exception?.Message}");
            }

            var database = cluster.B.Services.GetRequiredService<Scalable.Sharding.ShardedDatabase>();
            foreach (var shard in database.Topology.Shards)
            {
                await using var connection = await database.OpenConnectionAsync(shard);
                await using var pending = new Npgsql.NpgsqlCommand("SELECT count(*) FROM scalable.outbox_messages", connection);
                try
                {
                    output.WriteLine($"{shard.Name}: unsent {await pending.ExecuteScalarAsync()}");
                }
                catch (Npgsql.PostgresException ex)
                {
                    output.WriteLine($"{shard.Name}: {ex.Message}");
                }
            }
        }
    }

    // The shared instances reconnect to Redis after the freeze; the collection's next tests rely on their backplane, so
    // wait until an update on A evicts B's in-memory copy again.
    private async Task BackplaneWorksAgainAsync()
    {
        using var a = cluster.A.CreateClient();
        using var b = cluster.B.CreateClient();
        await Eventually.TrueAsync(
            async () =>
            {
                var user = await a.CreateUserAsync("After freeze", "after.freeze@example.com");
                await b.GetAsync($"/users/{user.Id}");
                await a.PutAsJsonAsync($"/users/{user.Id}", new UserInput("After freeze 2", "after.freeze@example.com"));
                return (await b.GetFromJsonAsync<User>($"/users/{user.Id}"))!.Name == "After freeze 2";
            },
            TimeSpan.FromSeconds(60),
            "the backplane between the shared instances to work again after Redis was frozen");
    }
}
