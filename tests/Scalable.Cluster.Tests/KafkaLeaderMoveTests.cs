using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using Scalable.Messaging;

namespace Scalable.Cluster.Tests;

// The outbox relay against a three-broker Kafka cluster whose partition leader moves to another broker while
// messages flow: librdkafka follows the new leader, and nothing is lost or reordered per key.
public sealed class KafkaLeaderMoveTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    private const int Keys = 10;

    [Fact]
    public async Task The_relay_keeps_every_message_in_key_order_while_the_partition_leader_moves()
    {
        using var kafka = KafkaMockCluster.StartLocal(brokers: 3);
        var topic = $"leader-move-{Guid.NewGuid():N}";
        kafka.CreateTopic(topic, partitions: 2, replicationFactor: 3);
        var database = await postgres.Server.CreateDatabaseAsync("leader_move");
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddScalableMessaging(o =>
        {
            o.ConnectionString = database;
            o.Producer.BootstrapServers = kafka.BootstrapServers;
            o.PollingInterval = TimeSpan.FromMilliseconds(100);
        });
        using var host = builder.Build();
        await host.StartAsync();
        var outbox = host.Services.GetRequiredService<Outbox>();
        await outbox.EnsureSchemaAsync();
        using var reader = new TopicReader(kafka.BootstrapServers, topic);
        var sent = new List<Guid>();

        // Leaders start wherever the mock cluster put them; moving each partition to broker 2 and then 3 moves it at
        // least once while batches are in flight.
        for (var round = 0; round < 3; round++)
        {
            sent.AddRange(await EnqueueAsync(outbox, database, topic, from: round * 100, count: 100));
            await reader.WaitForAsync(sent.Count - 50, $"the relay published fewer than {sent.Count - 50} messages in round {round}");
            if (round < 2)
            {
                kafka.SetPartitionLeader(topic, 0, brokerId: round + 2);
                kafka.SetPartitionLeader(topic, 1, brokerId: round + 2);
            }
        }

        await reader.WaitForAsync(sent.Count, "the relay lost messages when the leader moved");
        await host.StopAsync();

        var read = reader.Read;
        Assert.Equal(sent.Order(), read.Select(m => m.MessageId).Distinct().Order());
        foreach (var key in read.GroupBy(m => m.Key))
        {
            var sequence = key.Select(m => int.Parse(m.Payload, CultureInfo.InvariantCulture)).Distinct().ToList();
            Assert.True(sequence.SequenceEqual(sequence.Order()), $"key {key.Key} arrived out of order: {string.Join(",", sequence)}");
        }
    }

    // Messages numbered from..from+count, spread over Keys keys; the payload is the number, increasing per key.
    private static async Task<IReadOnlyList<Guid>> EnqueueAsync(Outbox outbox, string database, string topic, int from, int count)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var messages = Enumerable.Range(from, count)
            .Select(n => new OutboxMessage(topic, $"key-{n % Keys}", System.Text.Encoding.UTF8.GetBytes(n.ToString(CultureInfo.InvariantCulture))))
            .ToList();
        var ids = await outbox.EnqueueAsync(transaction, messages);
        await transaction.CommitAsync();
        return ids;
    }
}
