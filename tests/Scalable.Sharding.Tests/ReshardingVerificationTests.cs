using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Scalable.Sharding.Tests.Support;
using Scalable.TestSupport;

namespace Scalable.Sharding.Tests;

[Collection("Resharding")]
public sealed class ReshardingVerificationTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    private const string Schema = "CREATE TABLE events (id text PRIMARY KEY, at timestamptz NOT NULL, day date NOT NULL, ratio double precision NOT NULL, " +
                                  "span interval NOT NULL, n bigint NOT NULL, doubled bigint GENERATED ALWAYS AS (n * 2) STORED)";

    [Fact]
    public async Task Rows_verify_when_the_new_shard_sessions_use_another_time_zone_date_style_and_float_format()
    {
        var databases = (await postgres.Server.CreateDatabasesAsync(4, "settings")).ToList();
        databases[3] = new NpgsqlConnectionStringBuilder(databases[3])
        {
            Timezone = "Asia/Kolkata",
            Options = "-c DateStyle=SQL,DMY -c extra_float_digits=0 -c IntervalStyle=iso_8601",
        }.ConnectionString;

        var moved = await MoveEventsAsync(databases);

        Assert.True(moved > 0);
        await AssertEveryEventOnItsOwnerAsync(databases);
    }

    [Fact]
    public async Task A_table_with_a_generated_column_moves_and_verifies()
    {
        var databases = await postgres.Server.CreateDatabasesAsync(4, "generated");

        var moved = await MoveEventsAsync(databases);

        Assert.True(moved > 0);
        await AssertEveryEventOnItsOwnerAsync(databases);
    }

    private static async Task<long> MoveEventsAsync(IReadOnlyList<string> databases)
    {
        foreach (var connectionString in databases)
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync();
            await Users.ExecuteAsync(connection, Schema);
        }

        var before = ShardTopology.Create(databases.Take(3).Select((cs, i) => new ShardDefinition($"shard{i}", cs)));
        var after = ShardTopology.Create(databases.Select((cs, i) => new ShardDefinition($"shard{i}", cs)), version: 2);
        foreach (var group in Enumerable.Range(0, 600).Select(i => $"event:{i}").GroupBy(id => before.GetShard(id).Name))
        {
            await using var connection = new NpgsqlConnection(before.GetShardByName(group.Key).ConnectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(
                "INSERT INTO events (id, at, day, ratio, span, n) SELECT id, timestamptz '2026-03-29 01:30:00.123456+00' + (n || ' hours')::interval, " +
                "date '2026-01-31' + n::integer, 1.0 / (n + 3), make_interval(days => n::integer, secs => n / 7.0), n FROM unnest(@ids) WITH ORDINALITY AS u(id, n)",
                connection);
            command.Parameters.AddWithValue("ids", group.ToArray());
            await command.ExecuteNonQueryAsync();
        }

        await using var provider = ShardedDatabases.Build(databases.Take(3).ToList());
        var database = provider.GetRequiredService<ShardedDatabase>();
        var report = await new ReshardingMover(database, before, after, new ReshardingOptions { BatchSize = 100 }).MoveAsync(new ReshardingTable("events", "id"));
        return report.RowsMoved;
    }

    private static async Task AssertEveryEventOnItsOwnerAsync(IReadOnlyList<string> databases)
    {
        var after = ShardTopology.Create(databases.Select((cs, i) => new ShardDefinition($"shard{i}", cs)), version: 2);
        var seen = 0;
        for (var i = 0; i < databases.Count; i++)
        {
            await using var connection = new NpgsqlConnection(databases[i]);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("SELECT id, n, doubled FROM events", connection);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                seen++;
                Assert.Equal($"shard{i}", after.GetShard(reader.GetString(0)).Name);
                Assert.Equal(reader.GetInt64(1) * 2, reader.GetInt64(2));
            }
        }

        Assert.Equal(600, seen);
    }
}
