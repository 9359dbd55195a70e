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
    public ValueTask<Written<User>> CreateAsync(Guid id, string name, string email, CancellationToken cancellationToken)
        => WriteAsync(id, new User(id, name, email, ShardOf(id).Name), static async (user, write, transaction, ct) =>
        {
            await using (var insert = new NpgsqlCommand("INSERT INTO users (id, name, email) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING", write.Connection, transaction))
            {
                insert.Parameters.Add(new() { Value = user.Id });
                insert.Parameters.Add(new() { Value = user.Name });
                insert.Parameters.Add(new() { Value = user.Email });
                if (await insert.ExecuteNonQueryAsync(ct) == 0)
                {
                    await using var read = new NpgsqlCommand("SELECT name, email FROM users WHERE id = $1", write.Connection, transaction);
                    read.Parameters.Add(new() { Value = user.Id });
                    await using var reader = await read.ExecuteReaderAsync(ct);
                    return (!await reader.ReadAsync(ct) ? user : user with { Name = reader.GetString(0), Email = reader.GetString(1) }, null);
                }
            }

            return (user, new UserEvent("created", user.Id, user.Name, user.Email));
        }, cancellationToken);

    public ValueTask<Written<User?>> UpdateAsync(Guid id, string name, string email, CancellationToken cancellationToken)
        => WriteAsync(id, new User(id, name, email, ShardOf(id).Name), static async (user, write, transaction, ct) =>
        {
            await using var update = new NpgsqlCommand("UPDATE users SET name = $2, email = $3 WHERE id = $1", write.Connection, transaction);
            update.Parameters.Add(new() { Value = user.Id });
            update.Parameters.Add(new() { Value = user.Name });
            update.Parameters.Add(new() { Value = user.Email });
            return await update.ExecuteNonQueryAsync(ct) == 0
                ? ((User?)null, null) // nothing changed, so no event
                : (user, new UserEvent("updated", user.Id, user.Name, user.Email));
        }, cancellationToken);

    public ValueTask<Written<bool>> DeleteAsync(Guid id, CancellationToken cancellationToken)
        => WriteAsync(id, id, static async (id, write, transaction, ct) =>
        {
            await using var delete = new NpgsqlCommand("DELETE FROM users WHERE id = $1 RETURNING name, email", write.Connection, transaction);
            delete.Parameters.Add(new() { Value = id });
            await using var reader = await delete.ExecuteReaderAsync(ct);
            return await reader.ReadAsync(ct) ? (true, new UserEvent("deleted", id, reader.GetString(0), reader.GetString(1))) : (false, null);
        }, cancellationToken);

    // Cache loads read the primary: a load from a standby that lags would put the old value back in the cache, for every
    // client and for the entry's whole lifetime, right after a write removed it.
    public ValueTask<User?> FindAsync(Guid id, CancellationToken cancellationToken)
    {
        var shard = ShardOf(id);
        return pipelines.ExecuteAsync(shard, (repo: this, shard, id), static async (s, ct) =>
        {
            await using var connection = await s.repo._database.OpenConnectionAsync(s.shard, ShardAccess.Primary, ct);
            await using var command = new NpgsqlCommand("SELECT name, email FROM users WHERE id = $1", connection);
            command.Parameters.Add(new() { Value = s.id });
            await using var reader = await command.ExecuteReaderAsync(ct);
            return await reader.ReadAsync(ct) ? new User(s.id, reader.GetString(0), reader.GetString(1), s.shard.Name) : null;
        }, cancellationToken);
    }

    // Scatter-gather: an e-mail does not route to a shard, so every shard is asked in parallel (docs in the README say why
    // not an index). Each shard is read on a standby within the lag bound; a shard the token names is read where its
    // writes are visible (a standby that has replayed them, else its primary).
    public Task<ScatterGatherResult<List<User>>> FindByEmailAsync(string email, ReadYourWritesToken seen, CancellationToken cancellationToken)
        => _database.ScatterGatherAsync((connection, shard, ct) => FindByEmailAsync(connection, shard, email, ct), seen, cancellationToken);
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

    private static async Task<List<User>> FindByEmailAsync(NpgsqlConnection connection, ShardDefinition shard, string email, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT id, name, email FROM users WHERE lower(email) = lower($1) ORDER BY id", connection);
        command.Parameters.Add(new() { Value = email });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var found = new List<User>();
        while (await reader.ReadAsync(cancellationToken))
        {
            found.Add(new User(reader.GetGuid(0), reader.GetString(1), reader.GetString(2), shard.Name));
        }

        return found;
    }

    // One write through the user's shard pipeline, on a write connection that holds a shard move's cutover fence (so the
    // write cannot land on the old owner after the move's last copy): the change and its event commit in one transaction,
    // then the token of the commit is taken on the same connection.
    private ValueTask<Written<T>> WriteAsync<TState, T>(
        Guid id,
        TState state,
        Func<TState, ShardWriteConnection, NpgsqlTransaction, CancellationToken, Task<(T Value, UserEvent? Change)>> change,
        CancellationToken cancellationToken)
        => pipelines.ExecuteAsync(ShardOf(id), (repo: this, id, state, change), static async (s, ct) =>
        {
            await using var write = await s.repo._database.OpenWriteConnectionAsync(s.id, ct);
            T value;
            await using (var transaction = await write.Connection.BeginTransactionAsync(ct))
            {
                (value, var changed) = await s.change(s.state, write, transaction, ct);
                if (changed is not null) // else nothing was written: the transaction rolls back on dispose
                {
                    await s.repo.PublishAsync(write.Shard, transaction, changed, ct);
                    await transaction.CommitAsync(ct);
                }
            }

            return new Written<T>(value, await s.repo.TokenAfterCommitAsync(write, ct));
        }, cancellationToken);

    // Taken after the transaction even when nothing changed: a create repeated with its idempotency key reads the first one.
    // The write has committed: if its token cannot be taken, answer without one (reads then have bounded staleness only)
    // rather than fail a write that is done, which a client might repeat.
    private async Task<ReadYourWritesToken> TokenAfterCommitAsync(ShardWriteConnection write, CancellationToken cancellationToken)
    {
        try
        {
            return await _database.GetReadYourWritesTokenAsync(write.Connection, write.Shard, cancellationToken);
        }
        catch (NpgsqlException) when (!cancellationToken.IsCancellationRequested)
        {
            return ReadYourWritesToken.None;
        }
    }

    private ValueTask<Guid> PublishAsync(ShardDefinition shard, NpgsqlTransaction transaction, UserEvent change, CancellationToken cancellationToken)
        => outboxes.GetOutbox(shard.Name).EnqueueAsync(
            transaction,
            OutboxMessage.FromJson(SampleServers.Topic, change.UserId.ToString(), change),
            cancellationToken);
}
