using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Scalable.Samples.UsersApi;
using Scalable.Sharding;

namespace Scalable.Samples.Tests;

[Collection(SampleClusterCollection.Name)]
public sealed class SchemaStartTests(SampleCluster cluster)
{
    [Fact]
    public async Task An_instance_starting_on_a_current_schema_neither_waits_for_nor_blocks_the_writers_of_a_busy_shard()
    {
        var database = cluster.A.Services.GetRequiredService<ShardedDatabase>();
        await using var writer = await database.OpenConnectionAsync(database.Topology.Shards[0]);
        await using var transaction = await writer.BeginTransactionAsync();
        await using (var insert = new NpgsqlCommand("INSERT INTO users (id, name, email) VALUES ($1, 'Open', 'open@example.com')", writer, transaction))
        {
            insert.Parameters.Add(new() { Value = Guid.NewGuid() });
            await insert.ExecuteNonQueryAsync();
        }

        // A write transaction is open on the shard, as on any busy shard when an instance starts. DDL on the users table
        // ("CREATE INDEX IF NOT EXISTS" too, even when the index exists) waits for it, and every writer after it queues
        // behind that wait: a restart during traffic then stalls each shard's writes past their timeout (503s in a roll).
        var ensure = cluster.A.Services.GetRequiredService<UserRepository>().EnsureSchemaAsync(CancellationToken.None);
        var finished = await Task.WhenAny(ensure, Task.Delay(TimeSpan.FromSeconds(20))) == ensure;
        await transaction.RollbackAsync();
        Assert.True(finished, "EnsureSchemaAsync waited for an open write transaction although the schema was current.");
        await ensure;
    }
}
