using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using Npgsql;
using Scalable.Messaging.Tests.Support;
using Scalable.Sharding;
using Scalable.TestSupport;

namespace Scalable.Messaging.Tests;

// Outboxes that follow the shard map: a reload adds or removes shards while the host runs.
public sealed class ShardOutboxesTests(MessagingFixture servers) : IClassFixture<MessagingFixture>
{
    [Fact]
    public async Task A_shard_added_by_a_reload_gets_its_outbox_and_relay_and_a_removed_shard_stops_its_relay_without_duplicates()
    {
        var databases = await servers.Postgres.CreateDatabasesAsync(3, "follow_shard");
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var (a, b, c) = (($"a-{suffix}", databases[0]), ($"b-{suffix}", databases[1]), ($"c-{suffix}", databases[2]));
        var topic = servers.CreateTopic();
        using var relays = new MetricCollector<long>(null, "Scalable.Messaging", "scalable.messaging.outbox.relays");
        var map = new ReloadableShardMap(a, b);
        using var host = BuildHost(map, (shard, o) =>
        {
            o.Producer = new ProducerConfig { BootstrapServers = servers.Kafka.BootstrapServers, LingerMs = 2 };
            o.PollingInterval = TimeSpan.FromMilliseconds(200);
            o.BatchSize = 20;
            o.RelayCount = 2;
        });
        await host.StartAsync();
        var outboxes = host.Services.GetRequiredService<IOutboxProvider>();
        Assert.Equal([a.Item1, b.Item1], outboxes.Names.Order());
        var expected = new List<Guid>();
        expected.AddRange(await EnqueueAsync(outboxes.GetOutbox(a.Item1), a.Item2, "a", 100));

        // C joins: its schema is applied (SchemaMode Auto with relays) and its relays publish, without a restart.
        map.Reload(a, b, c);
        await Eventually.TrueAsync(() => outboxes.Names.Contains(c.Item1), because: "the added shard's outbox");
        await using (var cDatabase = NpgsqlDataSource.Create(c.Item2))
        {
            Assert.Equal(1, await TestOutbox.ScalarAsync<int>(cDatabase, "SELECT max(version) FROM scalable.outbox_schema"));
        }

        expected.AddRange(await EnqueueAsync(outboxes.GetOutbox(c.Item1), c.Item2, "c", 100));
        await Eventually.TrueAsync(() => RunningRelays(relays, c.Item1) == 2, because: "two relays of the added shard");

        // B leaves while its relays work through a backlog (slow brokers keep a batch in flight): they stop and nothing goes twice.
        SetBrokerRoundTrip(TimeSpan.FromMilliseconds(200));
        var fromB = await EnqueueAsync(outboxes.GetOutbox(b.Item1), b.Item2, "b", 1000);
        await using var bDatabase = NpgsqlDataSource.Create(b.Item2);
        await Eventually.TrueAsync(async () => await TestOutbox.ScalarAsync<long>(bDatabase, "SELECT count(*) FROM scalable.outbox_messages") < 1000, because: "the removed shard's relays to start on its backlog");
        map.Reload(a, c);
        await Eventually.TrueAsync(() => !outboxes.Names.Contains(b.Item1) && RunningRelays(relays, b.Item1) == 0, TimeSpan.FromSeconds(60), "the removed shard's relays to stop");
        SetBrokerRoundTrip(TimeSpan.Zero);
        Assert.Throws<ArgumentException>(() => outboxes.GetOutbox(b.Item1));
        var leftInB = await MessageIdsAsync(bDatabase);
        Assert.NotEmpty(leftInB);
        expected.AddRange(fromB.Except(leftInB));
        expected.AddRange(await EnqueueAsync(outboxes.GetOutbox(a.Item1), a.Item2, "a", 100, from: 100));

        var read = KafkaReader.ReadAll(servers.Kafka.BootstrapServers, topic, atLeast: expected.Count, settle: TimeSpan.FromSeconds(3));
        Assert.Equal(read.Count, read.Select(m => m.MessageId).Distinct().Count());
        Assert.Equal(expected.Order(), read.Select(m => m.MessageId).Order());
        KafkaReader.AssertPerKeyOrder(read);
        Assert.Equal(leftInB.Order(), (await MessageIdsAsync(bDatabase)).Order());
        await host.StopAsync();

        async Task<IReadOnlyList<Guid>> EnqueueAsync(Outbox outbox, string database, string prefix, int count, int from = 0)
        {
            await using var connection = new NpgsqlConnection(database);
            await connection.OpenAsync();
            await using var transaction = await connection.BeginTransactionAsync();
            var ids = await outbox.EnqueueAsync(transaction, Messages.RoundRobin(topic, keys: 10, from: from, count: count).Select(m => new OutboxMessage(m.Topic, $"{prefix}-{m.Key}", m.Payload)).ToList());
            await transaction.CommitAsync();
            return ids;
        }
    }

    [Fact]
    public async Task An_invalid_shard_fails_the_start_and_after_a_reload_is_logged_while_the_other_shards_go_on()
    {
        var databases = await servers.Postgres.CreateDatabasesAsync(2, "follow_invalid");
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var (good, added, bad) = (($"good-{suffix}", databases[0]), ($"added-{suffix}", databases[1]), ($"bad-{suffix}", databases[1]));
        Action<string, ScalableMessagingOptions> configure = (shard, o) =>
        {
            o.Producer = new ProducerConfig { BootstrapServers = servers.Kafka.BootstrapServers };
            o.BatchSize = shard.StartsWith("bad-", StringComparison.Ordinal) ? 0 : 20;
        };

        using (var failing = BuildHost(new ReloadableShardMap(good, bad), configure))
        {
            var error = await Assert.ThrowsAsync<OptionsValidationException>(() => failing.StartAsync());
            Assert.Contains("BatchSize", error.Message, StringComparison.Ordinal);
            Assert.Empty(failing.Services.GetRequiredService<IOutboxProvider>().Names);
        }

        var map = new ReloadableShardMap(good);
        using var host = BuildHost(map, configure);
        await host.StartAsync();
        var outboxes = host.Services.GetRequiredService<IOutboxProvider>();
        map.Reload(good, bad, added);
        await Eventually.TrueAsync(() => outboxes.Names.Contains(added.Item1), because: "the valid added shard's outbox");
        await Eventually.TrueAsync(() => host.Services.GetFakeLogCollector().GetSnapshot().Any(r => r.Id.Id == 5016 && r.Message.Contains(bad.Item1, StringComparison.Ordinal)), because: "the rejected shard's log");
        Assert.Equal([added.Item1, good.Item1], outboxes.Names.Order());
        await host.StopAsync();
    }

    private static IHost BuildHost(ReloadableShardMap map, Action<string, ScalableMessagingOptions> configure)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.AddFakeLogging();
        builder.Services.AddSingleton<IConfigureOptions<ScalableShardingOptions>>(map);
        builder.Services.AddSingleton<IOptionsChangeTokenSource<ScalableShardingOptions>>(map);
        builder.Services.AddScalableMessaging().AddShardOutboxes<ScalableShardingOptions>(
            sharding => sharding.Shards.Select(s => KeyValuePair.Create(s.Name, s.ConnectionString)),
            configure);
        return builder.Build();
    }

    private static long RunningRelays(MetricCollector<long> relays, string outbox)
        => relays.GetMeasurementSnapshot().Where(m => Equals(m.Tags["scalable.outbox.name"], outbox)).Sum(m => m.Value);

    private static async Task<List<Guid>> MessageIdsAsync(NpgsqlDataSource database)
    {
        await using var command = database.CreateCommand("SELECT message_id FROM scalable.outbox_messages");
        await using var reader = await command.ExecuteReaderAsync();
        var ids = new List<Guid>();
        while (await reader.ReadAsync())
        {
            ids.Add(reader.GetGuid(0));
        }

        return ids;
    }

    private void SetBrokerRoundTrip(TimeSpan roundTrip)
    {
        for (var broker = 1; broker <= servers.Kafka.BrokerCount; broker++)
        {
            servers.Kafka.SetBrokerRoundTrip(broker, roundTrip);
        }
    }
}
