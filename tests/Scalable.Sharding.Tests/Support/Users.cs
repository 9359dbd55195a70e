using Npgsql;

namespace Scalable.Sharding.Tests.Support;

/// <summary>The users table the integration tests shard: the same schema on every shard database.</summary>
internal static class Users
{
    public const string Schema = "CREATE TABLE users (id text PRIMARY KEY, name text NOT NULL, score bigint NOT NULL)";

    public static IEnumerable<string> Ids(int count) => Enumerable.Range(0, count).Select(i => $"user:{i:D5}");

    public static async Task CreateTablesAsync(IEnumerable<string> connectionStrings)
    {
        foreach (var connectionString in connectionStrings)
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync();
            await ExecuteAsync(connection, Schema);
        }
    }

    /// <summary>Writes each user to the shard the router picks for it, one binary import per shard.</summary>
    public static async Task WriteThroughRouterAsync(ShardedDatabase database, IEnumerable<string> ids)
    {
        foreach (var group in ids.GroupBy(id => database.Topology.GetShard(id)))
        {
            await using var connection = await database.OpenConnectionAsync(group.Key);
            await using var import = await connection.BeginBinaryImportAsync("COPY users (id, name, score) FROM STDIN (FORMAT BINARY)");
            foreach (var id in group)
            {
                await import.StartRowAsync();
                await import.WriteAsync(id);
                await import.WriteAsync($"name of {id}");
                await import.WriteAsync(InitialScore(id));
            }

            await import.CompleteAsync();
        }
    }

    /// <summary>The score a user is written with: stable across processes and runs.</summary>
    public static long InitialScore(string id) => long.Parse(id.AsSpan(id.IndexOf(':') + 1), System.Globalization.CultureInfo.InvariantCulture);

    public static async Task<string?> ReadNameAsync(NpgsqlConnection connection, string id, CancellationToken cancellationToken = default)
    {
        await using var command = new NpgsqlCommand("SELECT name FROM users WHERE id = @id", connection);
        command.Parameters.AddWithValue("id", id);
        return (string?)await command.ExecuteScalarAsync(cancellationToken);
    }

    public static async Task<int> IncrementScoreAsync(NpgsqlConnection connection, string id, CancellationToken cancellationToken = default)
    {
        await using var command = new NpgsqlCommand("UPDATE users SET score = score + 1 WHERE id = @id", connection);
        command.Parameters.AddWithValue("id", id);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The user's score on one shard database, or null when the user is not stored there.</summary>
    public static async Task<long?> ScoreAsync(string connectionString, string id)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT score FROM users WHERE id = @id", connection);
        command.Parameters.AddWithValue("id", id);
        return (long?)await command.ExecuteScalarAsync();
    }

    public static async Task<List<string>> AllIdsAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT id FROM users", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var ids = new List<string>();
        while (await reader.ReadAsync())
        {
            ids.Add(reader.GetString(0));
        }

        return ids;
    }

    public static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
