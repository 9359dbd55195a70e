using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using Scalable.Messaging.Tests.Support;
using Scalable.TestSupport;

namespace Scalable.Messaging.Tests;

public sealed class ShardedOutboxTests(MessagingFixture servers) : IClassFixture<MessagingFixture>
{
    [Fact]
    public async Task Each_shard_database_has_its_own_outbox_and_relay_and_all_shards_deliver()
    {
        var shards = await servers.Postgres.CreateDatabasesAsync(2, "outbox_shard");
        var topic = servers.CreateTopic();
        var builder = Host.CreateApplicationBuilder();
        var messaging = builder.Services.AddScalableMessaging();
        for (var i = 0; i < shards.Count; i++)
        {
            var connectionString = shards[i];
            messaging.AddOutbox($"shard{i}", o =>
            {
                o.ConnectionString = connectionString;
                o.Producer = new ProducerConfig { BootstrapServers = servers.Kafka.BootstrapServers };
            });
        }

        using var host = builder.Build();
        await host.StartAsync();
        var outboxes = host.Services.GetRequiredService<IOutboxProvider>();
        var expected = new List<Guid>();
        for (var i = 0; i < shards.Count; i++)
        {
            // The application's own write and the message commit together in the shard that owns the data.
            await using var connection = new NpgsqlConnection(shards[i]);
            await connection.OpenAsync();
            await using var transaction = await connection.BeginTransactionAsync();
            expected.AddRange(await outboxes.GetOutbox($"shard{i}").EnqueueAsync(transaction, Messages.RoundRobin(topic, keys: 10, from: 0, count: 100).Select(m => new OutboxMessage(m.Topic, $"s{i}-{m.Key}", m.Payload)).ToList()));
            await transaction.CommitAsync();
        }

        var read = KafkaReader.ReadAll(servers.Kafka.BootstrapServers, topic, atLeast: 200);
        await host.StopAsync();

        Assert.Equal(expected.Order(), read.Select(m => m.MessageId).Order());
        KafkaReader.AssertPerKeyOrder(read);
        foreach (var shard in shards)
        {
            await using var dataSource = NpgsqlDataSource.Create(shard);
            Assert.Equal(0L, await TestOutbox.ScalarAsync<long>(dataSource, "SELECT count(*) FROM scalable.outbox_messages"));
        }
    }
}
