using Npgsql;
using Scalable.Messaging;
using Scalable.Sharding;

namespace Scalable.Samples.UsersApi;

/// <summary>Users live on the shard their id routes to; each change and its event commit in one transaction on that shard.</summary>
internal sealed class UserRepository(ShardedDatabase database, IOutboxProvider outboxes)
{
    public async Task EnsureSchemaAsync(CancellationToken cancellationToken)
    {
        foreach (var shard in database.Topology.Shards)
        {
            await using var connection = await database.OpenConnectionAsync(shard, cancellationToken: cancellationToken);
            await using var command = new NpgsqlCommand(
                """
                CREATE TABLE IF NOT EXISTS users (id uuid PRIMARY KEY, name text NOT NULL, email text NOT NULL);
                CREATE TABLE IF NOT EXISTS user_events (message_id uuid PRIMARY KEY, type text NOT NULL, user_id uuid NOT NULL, received_at timestamptz NOT NULL DEFAULT now());
                """,
                connection);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    public async Task<User> CreateAsync(string name, string email, CancellationToken cancellationToken)
    {
        var id = Guid.NewGuid();
        var shard = database.Topology.GetShard(id);
        await using var connection = await database.OpenConnectionAsync(shard, cancellationToken: cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var insert = new NpgsqlCommand("INSERT INTO users (id, name, email) VALUES ($1, $2, $3)", connection, transaction))
        {
            insert.Parameters.Add(new() { Value = id });
            insert.Parameters.Add(new() { Value = name });
            insert.Parameters.Add(new() { Value = email });
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        await PublishAsync(shard, transaction, new UserEvent("created", id, name, email), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new User(id, name, email, shard.Name);
    }

    public async Task<User?> UpdateAsync(Guid id, string name, string email, CancellationToken cancellationToken)
    {
        var shard = database.Topology.GetShard(id);
        await using var connection = await database.OpenConnectionAsync(shard, cancellationToken: cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var update = new NpgsqlCommand("UPDATE users SET name = $2, email = $3 WHERE id = $1", connection, transaction))
        {
            update.Parameters.Add(new() { Value = id });
            update.Parameters.Add(new() { Value = name });
            update.Parameters.Add(new() { Value = email });
            if (await update.ExecuteNonQueryAsync(cancellationToken) == 0)
            {
                return null; // nothing changed, so no event: the transaction rolls back on dispose
            }
        }

        await PublishAsync(shard, transaction, new UserEvent("updated", id, name, email), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new User(id, name, email, shard.Name);
    }

    public async Task<User?> FindAsync(Guid id, CancellationToken cancellationToken)
    {
        var shard = database.Topology.GetShard(id);
        await using var connection = await database.OpenConnectionAsync(id, ShardAccess.ReadReplica, cancellationToken);
        await using var command = new NpgsqlCommand("SELECT name, email FROM users WHERE id = $1", connection);
        command.Parameters.Add(new() { Value = id });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? new User(id, reader.GetString(0), reader.GetString(1), shard.Name) : null;
    }

    public async Task<object> CountAsync(CancellationToken cancellationToken)
    {
        var result = await database.ScatterGatherAsync(
            async (connection, _, ct) =>
            {
                await using var command = new NpgsqlCommand("SELECT count(*) FROM users", connection);
                return (long)(await command.ExecuteScalarAsync(ct))!;
            },
            ShardAccess.ReadReplica,
            cancellationToken);
        return new
        {
            total = result.Values.Sum(),
            complete = result.IsComplete,
            shards = result.Results.ToDictionary(r => r.ShardName, r => r.Value),
            failedShards = result.Failures.Select(f => new { shard = f.ShardName, error = f.Exception.Message }),
        };
    }

    private ValueTask<Guid> PublishAsync(ShardDefinition shard, NpgsqlTransaction transaction, UserEvent change, CancellationToken cancellationToken)
        => outboxes.GetOutbox(shard.Name).EnqueueAsync(
            transaction,
            OutboxMessage.FromJson(SampleServers.Topic, change.UserId.ToString(), change),
            cancellationToken);
}
