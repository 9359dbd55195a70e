using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;
using Scalable.Messaging;
using Scalable.Sharding;

namespace Scalable.Samples.Tests;

/// <summary>The sample's event pipeline seen from outside: its outbox tables on the shards and its Kafka topic, found through the sample's own settings.</summary>
internal sealed class SamplePipeline(IServiceProvider services)
{
    public const string Topic = "users"; // SampleServers.Topic
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    private string BootstrapServers => OutboxOptions("shard0").Producer.BootstrapServers;

    // True once no shard's outbox holds a message: everything enqueued so far has been acknowledged by Kafka (the relay deletes a row after its ack).
    public async Task<bool> OutboxesAreEmptyAsync()
    {
        var database = services.GetRequiredService<ShardedDatabase>();
        foreach (var shard in database.Topology.Shards)
        {
            var options = OutboxOptions(shard.Name);
            await using var connection = await database.OpenConnectionAsync(shard);
            await using var command = new NpgsqlCommand($"SELECT count(*) FROM {options.Schema}.{options.TablePrefix}_messages", connection);
            if ((long)(await command.ExecuteScalarAsync())! > 0)
            {
                return false;
            }
        }

        return true;
    }

    // Renames a table on every shard (each in its own short transaction).
    public async Task RenameOnEveryShardAsync(string table, string newName)
    {
        var database = services.GetRequiredService<ShardedDatabase>();
        foreach (var shard in database.Topology.Shards)
        {
            await using var connection = await database.OpenConnectionAsync(shard);
            await using var command = new NpgsqlCommand($"ALTER TABLE {table} RENAME TO {newName}", connection);
            await command.ExecuteNonQueryAsync();
        }
    }

    // Every message in the topic: each partition read from its beginning to the end it had when the call started.
    public List<ConsumeResult<string, byte[]>> ReadTopic()
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = BootstrapServers }).Build();
        var partitions = admin.GetMetadata(Topic, Bound).Topics.Single().Partitions.Select(p => new TopicPartition(Topic, p.PartitionId)).ToList();
        using var consumer = new ConsumerBuilder<string, byte[]>(new ConsumerConfig
        {
            BootstrapServers = BootstrapServers,
            GroupId = $"test-reader-{Guid.NewGuid():N}",
            EnableAutoCommit = false,
            EnablePartitionEof = true,
        }).Build();
        var ends = partitions.ToDictionary(p => p.Partition.Value, p => consumer.QueryWatermarkOffsets(p, Bound).High.Value);
        var pending = ends.Where(e => e.Value > 0).Select(e => e.Key).ToHashSet();
        consumer.Assign(pending.Select(p => new TopicPartitionOffset(Topic, p, Offset.Beginning)));
        var messages = new List<ConsumeResult<string, byte[]>>();
        var deadline = DateTime.UtcNow + Bound;
        while (pending.Count > 0)
        {
            Assert.True(DateTime.UtcNow < deadline, $"Timed out reading topic {Topic} to its end.");
            var result = consumer.Consume(TimeSpan.FromMilliseconds(250));
            if (result is null)
            {
                continue;
            }

            if (!result.IsPartitionEOF)
            {
                messages.Add(result);
            }

            if (result.Offset.Value + (result.IsPartitionEOF ? 0 : 1) >= ends[result.Partition.Value])
            {
                pending.Remove(result.Partition.Value);
            }
        }

        return messages;
    }

    // Puts a copy of a message (same key, value and headers, so the same message id) back on its partition, as a redelivery would.
    public async Task RedeliverAsync(ConsumeResult<string, byte[]> original)
    {
        using var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = BootstrapServers }).Build();
        var copy = new Message<string, byte[]> { Key = original.Message.Key, Value = original.Message.Value, Headers = original.Message.Headers };
        var delivered = await producer.ProduceAsync(original.TopicPartition, copy);
        Assert.Equal(PersistenceStatus.Persisted, delivered.Status);
    }

    private ScalableMessagingOptions OutboxOptions(string name) => services.GetRequiredService<IOptionsMonitor<ScalableMessagingOptions>>().Get(name);
}
