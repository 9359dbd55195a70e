using System.Text.Json;
using Npgsql;
using StackExchange.Redis;

namespace Scalable.Samples.UsersApi;

/// <summary>Stores users in PostgreSQL with a Redis read-through copy (replaced by the Scalable packages as they land).</summary>
internal sealed class UserStore(NpgsqlDataSource dataSource, IConnectionMultiplexer redis)
{
    public async Task EnsureSchemaAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("CREATE TABLE IF NOT EXISTS users (id uuid PRIMARY KEY, name text NOT NULL, email text NOT NULL)");
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<User> CreateAsync(NewUser request, CancellationToken cancellationToken)
    {
        var user = new User(Guid.NewGuid(), request.Name, request.Email);
        await using var command = dataSource.CreateCommand("INSERT INTO users (id, name, email) VALUES ($1, $2, $3)");
        command.Parameters.Add(new() { Value = user.Id });
        command.Parameters.Add(new() { Value = user.Name });
        command.Parameters.Add(new() { Value = user.Email });
        await command.ExecuteNonQueryAsync(cancellationToken);
        return user;
    }

    public async Task<User?> FindAsync(Guid id, CancellationToken cancellationToken)
    {
        var db = redis.GetDatabase();
        var cached = await db.StringGetAsync($"user:{id}");
        if (cached.HasValue)
        {
            return JsonSerializer.Deserialize<User>((string)cached!);
        }

        await using var command = dataSource.CreateCommand("SELECT id, name, email FROM users WHERE id = $1");
        command.Parameters.Add(new() { Value = id });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        var user = new User(reader.GetGuid(0), reader.GetString(1), reader.GetString(2));
        await db.StringSetAsync($"user:{id}", JsonSerializer.Serialize(user), TimeSpan.FromMinutes(5));
        return user;
    }
}
