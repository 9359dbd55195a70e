using Npgsql;
using Scalable.Messaging;
using Scalable.Sharding;

namespace Scalable.Samples.UsersApi;

/// <summary>Users live on the shard their id routes to; each change and its event commit in one transaction on that shard, through that shard's pipeline.</summary>
internal sealed class UserRepository(ShardedDatabase database, IOutboxProvider outboxes, ShardPipelines pipelines)
{
    private readonly ShardedDatabase _database = database;

    public async Task EnsureSchemaAsync(CancellationToken cancellationToken)
    {
        foreach (var shard in _database.Topology.Shards)
        {
            await using var connection = await _database.OpenConnectionAsync(shard, cancellationToken: cancellationToken);

            // DDL on a table, "IF NOT EXISTS" included, waits for its open write transactions and makes every later writer
            // queue behind it: on a current schema (every start but the first) the catalog is only read.
            await using (var current = new NpgsqlCommand("SELECT to_regclass('users') IS NOT NULL AND to_regclass('users_email') IS NOT NULL AND to_regclass('user_events') IS NOT NULL", connection))
            {
                if (await current.ExecuteScalarAsync(cancellationToken) is true)
                {
                    continue;
                }
            }

            await using var command = new NpgsqlCommand(
                """
                CREATE TABLE IF NOT EXISTS users (id uuid PRIMARY KEY, name text NOT NULL, email text NOT NULL);
                CREATE INDEX IF NOT EXISTS users_email ON users (lower(email));
                CREATE TABLE IF NOT EXISTS user_events (message_id uuid PRIMARY KEY, type text NOT NULL, user_id uuid NOT NULL, received_at timestamptz NOT NULL DEFAULT now());
                """,
                connection);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    public ShardDefinition ShardOf(Guid id) => _database.Topology.GetShard(id);

    /// <summary>Inserts the user with its 'created' event; if a user with that id exists (a create repeated with its idempotency key),
    /// inserts nothing, publishes nothing and returns the stored user.</summary>
    public ValueTask<User> CreateAsync(Guid id, string name, string email, CancellationToken cancellationToken)
    {
        var shard = ShardOf(id);
        return pipelines.ExecuteAsync(shard, (repo: this, shard, user: new User(id, name, email, shard.Name)), static async (s, ct) =>
        {
            await using var connection = await s.repo._database.OpenConnectionAsync(s.shard, cancellationToken: ct);
            await using var transaction = await connection.BeginTransactionAsync(ct);
            await using (var insert = new NpgsqlCommand("INSERT INTO users (id, name, email) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING", connection, transaction))
            {
                insert.Parameters.Add(new() { Value = s.user.Id });
                insert.Parameters.Add(new() { Value = s.user.Name });
                insert.Parameters.Add(new() { Value = s.user.Email });
                if (await insert.ExecuteNonQueryAsync(ct) == 0)
                {
                    await using var read = new NpgsqlCommand("SELECT name, email FROM users WHERE id = $1", connection, transaction);
                    read.Parameters.Add(new() { Value = s.user.Id });
                    await using var reader = await read.ExecuteReaderAsync(ct);
                    return !await reader.ReadAsync(ct) ? s.user : s.user with { Name = reader.GetString(0), Email = reader.GetString(1) };
                }
            }

            await s.repo.PublishAsync(s.shard, transaction, new UserEvent("created", s.user.Id, s.user.Name, s.user.Email), ct);
            await transaction.CommitAsync(ct);
            return s.user;
        }, cancellationToken);
    }

    public ValueTask<User?> UpdateAsync(Guid id, string name, string email, CancellationToken cancellationToken)
    {
        var shard = ShardOf(id);
        var user = new User(id, name, email, shard.Name);
        return pipelines.ExecuteAsync(shard, (repo: this, shard, user), static async (s, ct) =>
        {
            await using var connection = await s.repo._database.OpenConnectionAsync(s.shard, cancellationToken: ct);
            await using var transaction = await connection.BeginTransactionAsync(ct);
            await using (var update = new NpgsqlCommand("UPDATE users SET name = $2, email = $3 WHERE id = $1", connection, transaction))
            {
                update.Parameters.Add(new() { Value = s.user.Id });
                update.Parameters.Add(new() { Value = s.user.Name });
                update.Parameters.Add(new() { Value = s.user.Email });
                if (await update.ExecuteNonQueryAsync(ct) == 0)
                {
                    return null; // nothing changed, so no event: the transaction rolls back on dispose
                }
            }

            await s.repo.PublishAsync(s.shard, transaction, new UserEvent("updated", s.user.Id, s.user.Name, s.user.Email), ct);
            await transaction.CommitAsync(ct);
            return (User?)s.user;
        }, cancellationToken);
    }

    public ValueTask<bool> DeleteAsync(Guid id, CancellationToken cancellationToken)
    {
        var shard = ShardOf(id);
        return pipelines.ExecuteAsync(shard, (repo: this, shard, id), static async (s, ct) =>
        {
            await using var connection = await s.repo._database.OpenConnectionAsync(s.shard, cancellationToken: ct);
            await using var transaction = await connection.BeginTransactionAsync(ct);
            await using var delete = new NpgsqlCommand("DELETE FROM users WHERE id = $1 RETURNING name, email", connection, transaction);
            delete.Parameters.Add(new() { Value = s.id });
            string name, email;
            await using (var reader = await delete.ExecuteReaderAsync(ct))
            {
                if (!await reader.ReadAsync(ct))
                {
                    return false;
                }

                (name, email) = (reader.GetString(0), reader.GetString(1));
            }

            await s.repo.PublishAsync(s.shard, transaction, new UserEvent("deleted", s.id, name, email), ct);
            await transaction.CommitAsync(ct);
            return true;
        }, cancellationToken);
    }

    public ValueTask<User?> FindAsync(Guid id, CancellationToken cancellationToken)
    {
        var shard = ShardOf(id);
        return pipelines.ExecuteAsync(shard, (repo: this, shard, id), static async (s, ct) =>
        {
            await using var connection = await s.repo._database.OpenConnectionAsync(s.shard, ShardAccess.ReadReplica, ct);
            await using var command = new NpgsqlCommand("SELECT name, email FROM users WHERE id = $1", connection);
            command.Parameters.Add(new() { Value = s.id });
            await using var reader = await command.ExecuteReaderAsync(ct);
            return await reader.ReadAsync(ct) ? new User(s.id, reader.GetString(0), reader.GetString(1), s.shard.Name) : null;
        }, cancellationToken);
    }

    // Scatter-gather: an e-mail does not route to a shard, so every shard is asked in parallel (docs in the README say why not an index).
    public async Task<ScatterGatherResult<List<User>>> FindByEmailAsync(string email, CancellationToken cancellationToken)
        => await _database.ScatterGatherAsync(
            async (connection, shard, ct) =>
            {
                await using var command = new NpgsqlCommand("SELECT id, name, email FROM users WHERE lower(email) = lower($1) ORDER BY id", connection);
                command.Parameters.Add(new() { Value = email });
                await using var reader = await command.ExecuteReaderAsync(ct);
                var found = new List<User>();
                while (await reader.ReadAsync(ct))
                {
                    found.Add(new User(reader.GetGuid(0), reader.GetString(1), reader.GetString(2), shard.Name));
                }

                return found;
            },
            ShardAccess.ReadReplica,
            cancellationToken);

    public async Task<UserCount> CountAsync(CancellationToken cancellationToken)
    {
        var result = await _database.ScatterGatherAsync(
            async (connection, _, ct) =>
            {
                await using var command = new NpgsqlCommand("SELECT count(*) FROM users", connection);
                return (long)(await command.ExecuteScalarAsync(ct))!;
            },
            ShardAccess.ReadReplica,
            cancellationToken);
        return new UserCount(
            result.Values.Sum(),
            result.IsComplete,
            result.Results.ToDictionary(r => r.ShardName, r => r.Value),
            result.Failures.Select(f => f.ShardName).ToList());
    }

    private ValueTask<Guid> PublishAsync(ShardDefinition shard, NpgsqlTransaction transaction, UserEvent change, CancellationToken cancellationToken)
        => outboxes.GetOutbox(shard.Name).EnqueueAsync(
            transaction,
            OutboxMessage.FromJson(SampleServers.Topic, change.UserId.ToString(), change),
            cancellationToken);
}
