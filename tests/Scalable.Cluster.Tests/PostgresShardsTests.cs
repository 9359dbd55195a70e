using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using Scalable.Messaging;
using Scalable.Sharding;

namespace Scalable.Cluster.Tests;

// Three PostgreSQL servers as the shards of one service, each with its own outbox in the shard's database: a
// write and its message commit together on the shard that owns the key. One server stops mid-test: only its keys
// fail, scatter-gather names it, and the other shards keep writing and publishing.
public sealed class PostgresShardsTests(KafkaFixture kafka) : IClassFixture<KafkaFixture>, IAsyncLifetime
{
    private const int ShardCount = 3;
    private readonly List<PostgresServer> _servers = [];

    public async Task InitializeAsync()
    {
        var starts = Enumerable.Range(0, ShardCount).Select(_ => PostgresServer.StartLocalAsync()).ToList();
        _servers.AddRange(await Task.WhenAll(starts));
    }

    public async Task DisposeAsync()
    {
        foreach (var server in _servers)
        {
            await server.DisposeAsync();
        }
    }

    [Fact]
    public async Task One_stopped_shard_server_fails_only_its_own_keys_while_the_others_write_and_publish()
    {
        var databases = new List<string>();
        foreach (var server in _servers)
        {
            databases.Add(await server.CreateDatabaseAsync("orders"));
        }

        var topic = kafka.CreateTopic(partitions: 3, prefix: "sharded-orders");
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddScalableSharding(o =>
        {
            for (var i = 0; i < ShardCount; i++)
            {
                o.Shards.Add(new ShardOptions { Name = $"shard{i}", ConnectionString = databases[i] });
            }

            o.ShardTimeout = TimeSpan.FromSeconds(10);
        });
        var messaging = builder.Services.AddScalableMessaging();
        for (var i = 0; i < ShardCount; i++)
        {
            var database = databases[i];
            messaging.AddOutbox($"shard{i}", o =>
            {
                o.ConnectionString = database;
                o.Producer.BootstrapServers = kafka.Cluster.BootstrapServers;
                o.PollingInterval = TimeSpan.FromMilliseconds(100);
            });
        }

        using var host = builder.Build();
        await host.StartAsync();
        var db = host.Services.GetRequiredService<ShardedDatabase>();
        var outboxes = host.Services.GetRequiredService<IOutboxProvider>();
        for (var i = 0; i < ShardCount; i++)
        {
            await outboxes.GetOutbox($"shard{i}").EnsureSchemaAsync();
            await using var connection = new NpgsqlConnection(databases[i]);
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand("CREATE TABLE orders (id text PRIMARY KEY)", connection);
            await create.ExecuteNonQueryAsync();
        }

        using var reader = new TopicReader(kafka.Cluster.BootstrapServers, topic);
        var keys = Enumerable.Range(0, 60).Select(i => $"order:{i}").ToList();
        var owner = keys.ToDictionary(k => k, k => db.Topology.GetShard(k).Name);
        Assert.Equal(ShardCount, owner.Values.Distinct().Count());
        foreach (var key in keys)
        {
            await PlaceOrderAsync(db, outboxes, owner[key], key, topic);
        }

        await reader.WaitForAsync(keys.Count, "not every shard's outbox published its orders");
        Assert.Equal(keys.Order(), reader.Read.Select(m => m.Key).Distinct().Order());

        await _servers[1].StopAsync();

        var counts = await db.ScatterGatherAsync(async (connection, _, ct) =>
        {
            await using var count = new NpgsqlCommand("SELECT count(*) FROM orders", connection);
            return (long)(await count.ExecuteScalarAsync(ct))!;
        });
        Assert.Equal(["shard1"], counts.Failures.Select(f => f.ShardName));
        Assert.Equal(keys.Count(k => owner[k] != "shard1"), counts.Values.Sum());

        var later = Enumerable.Range(100, 30).Select(i => $"order:{i}").ToList();
        var live = later.Where(k => db.Topology.GetShard(k).Name != "shard1").ToList();
        var down = later.Except(live).ToList();
        Assert.NotEmpty(down);
        foreach (var key in live)
        {
            await PlaceOrderAsync(db, outboxes, db.Topology.GetShard(key).Name, key, topic);
        }

        foreach (var key in down)
        {
            await Assert.ThrowsAnyAsync<Exception>(() => PlaceOrderAsync(db, outboxes, "shard1", key, topic));
        }

        await reader.WaitForAsync(keys.Count + live.Count, "the live shards stopped publishing when one shard's server stopped");
        await host.StopAsync();
    }

    // The application's write and its message, in one transaction on the shard that owns the key.
    private static async Task PlaceOrderAsync(ShardedDatabase db, IOutboxProvider outboxes, string shard, string key, string topic)
    {
        await using var connection = await db.OpenConnectionAsync(key);
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var insert = new NpgsqlCommand("INSERT INTO orders (id) VALUES ($1)", connection, transaction) { Parameters = { new() { Value = key } } })
        {
            await insert.ExecuteNonQueryAsync();
        }

        await outboxes.GetOutbox(shard).EnqueueAsync(transaction, OutboxMessage.FromJson(topic, key, new { Id = key }));
        await transaction.CommitAsync();
    }
}
