using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Scalable.Sharding.Tests.Support;
using Scalable.TestSupport;

namespace Scalable.Sharding.Tests;

public sealed class ScatterGatherTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    [Fact]
    public void ThrowIfIncomplete_returns_a_complete_result_and_throws_naming_every_failed_shard_otherwise()
    {
        var complete = new ScatterGatherResult<int>([new ShardResult<int>("shard0", 1)], [], 1);
        var partial = new ScatterGatherResult<int>(
            [new ShardResult<int>("shard0", 1)],
            [new ShardFailure("shard1", new TimeoutException("slow")), new ShardFailure("shard2", new InvalidOperationException("down"))],
            1);

        Assert.Same(complete, complete.ThrowIfIncomplete());
        var error = Assert.Throws<ScatterGatherIncompleteException>(() => partial.ThrowIfIncomplete());

        Assert.Equal(["shard1", "shard2"], error.Failures.Select(f => f.ShardName));
        Assert.Contains("shard1", error.Message, StringComparison.Ordinal);
        Assert.Contains("shard2", error.Message, StringComparison.Ordinal);
        Assert.IsType<TimeoutException>(error.InnerExceptions[0]);
    }

    [Fact]
    public async Task Cancelling_the_caller_token_stops_every_shard_query_and_throws_instead_of_returning_a_partial_result()
    {
        var shards = await postgres.Server.CreateDatabasesAsync(3, "cancel");
        await using var provider = ShardedDatabases.Build(shards);
        var database = provider.GetRequiredService<ShardedDatabase>();
        using var cancel = new CancellationTokenSource();
        var started = 0;

        var call = database.ScatterGatherAsync(
            async (connection, _, token) =>
            {
                Interlocked.Increment(ref started);
                await using var command = new NpgsqlCommand("SELECT pg_sleep(120)", connection);
                await command.ExecuteScalarAsync(token);
                return 1;
            },
            cancellationToken: cancel.Token);
        await Eventually.TrueAsync(() => Volatile.Read(ref started) == 3, TimeSpan.FromSeconds(30), "every shard query started");
        cancel.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        await using var admin = new NpgsqlConnection(shards[0]);
        await admin.OpenAsync();
        await Eventually.TrueAsync(
            async () =>
            {
                await using var command = new NpgsqlCommand("SELECT count(*) FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(120)' AND state = 'active'", admin);
                return (long)(await command.ExecuteScalarAsync())! == 0;
            },
            TimeSpan.FromSeconds(30),
            "the cancelled queries stopped on the servers");
    }
}
