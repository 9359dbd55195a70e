using Npgsql;
using Scalable.TestSupport;

namespace Scalable.TestSupport.Tests;

public sealed class PostgresSmokeTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    [Fact]
    public async Task Each_shard_database_round_trips_its_own_rows()
    {
        var shards = await postgres.Server.CreateDatabasesAsync(3);

        for (var i = 0; i < shards.Count; i++)
        {
            await using var connection = new NpgsqlConnection(shards[i]);
            await connection.OpenAsync();
            await Execute(connection, "CREATE TABLE items (id int PRIMARY KEY, shard int NOT NULL)");
            await Execute(connection, $"INSERT INTO items VALUES (1, {i}), (2, {i})");
        }

        for (var i = 0; i < shards.Count; i++)
        {
            await using var connection = new NpgsqlConnection(shards[i]);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("SELECT count(*), min(shard), max(shard) FROM items", connection);
            await using var reader = await command.ExecuteReaderAsync();
            Assert.True(await reader.ReadAsync());
            Assert.Equal(2L, reader.GetInt64(0));
            Assert.Equal(i, reader.GetInt32(1));
            Assert.Equal(i, reader.GetInt32(2));
        }
    }

    [Fact]
    public async Task Stopped_server_refuses_connections_and_restarted_server_keeps_committed_rows()
    {
        await using var server = await PostgresServer.StartLocalAsync();
        var database = await server.CreateDatabaseAsync();
        await using (var connection = new NpgsqlConnection(database))
        {
            await connection.OpenAsync();
            await Execute(connection, "CREATE TABLE t (v text); INSERT INTO t VALUES ('kept')");
        }

        await server.StopAsync();
        await using (var connection = new NpgsqlConnection(database))
        {
            await Assert.ThrowsAnyAsync<NpgsqlException>(() => connection.OpenAsync());
        }

        await server.RestartAsync();
        await using (var connection = new NpgsqlConnection(database))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("SELECT v FROM t", connection);
            Assert.Equal("kept", await command.ExecuteScalarAsync());
        }
    }

    private static async Task Execute(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
