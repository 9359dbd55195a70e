using Npgsql;
using Scalable.Sharding.Internal.Moves;
using Scalable.Sharding.Tests.Support;
using Scalable.TestSupport;

namespace Scalable.Sharding.Tests;

// A write connection of the application's own, under a live move: the cutover plays here as the test taking the fence.
[Collection("Resharding")]
public sealed class ShardWriteConnectionTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    private static readonly TimeSpan Short = TimeSpan.FromMilliseconds(300);

    // Below Npgsql's 30 s command timeout, so a fence that never comes fails the assertion, not the command.
    private static readonly TimeSpan Patient = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task A_write_connection_to_a_moving_key_holds_off_the_cutover_while_open_and_is_refused_retryably_while_the_cutover_fences()
    {
        await using var scenario = await LiveMoveScenario.CreateForFenceAsync(postgres.Server, "writeconn");
        var (app, from, to, id) = (scenario.App, scenario.From, scenario.To, scenario.MovingKey());
        var source = from.GetShard(id);
        var staying = scenario.Ids.First(i => from.GetShard(i).Name == source.Name && to.GetShard(i).Name == source.Name);
        var (move, running) = await scenario.StartPausedMoveAsync();
        await using var cutover = new NpgsqlConnection(source.ConnectionString);
        await cutover.OpenAsync();

        // Open while the move copies: the cutover cannot fence the source until the connection is disposed.
        var written = 0;
        await Eventually.TrueAsync(
            async () =>
            {
                await using var write = await app.OpenWriteConnectionAsync(id);
                Assert.Equal(source.Name, write.Shard.Name);
                written += await Users.IncrementScoreAsync(write.Connection, id);
                return !await SourceCapture.FenceAsync(cutover, move.MoveId, Short, CancellationToken.None);
            },
            LiveMoveScenario.Generous,
            "the application saw the move and its write connection held the fence");
        Assert.True(await SourceCapture.FenceAsync(cutover, move.MoveId, Patient, CancellationToken.None), "the disposed connection still held the fence.");

        // While the cutover holds the fence: a moving key is refused (nothing written), a key that stays is not affected.
        var refused = await Assert.ThrowsAsync<ShardMoveInProgressException>(async () => await app.OpenWriteConnectionAsync(id));
        Assert.Equal(move.MoveId, refused.MoveId);
        Assert.Equal(Users.InitialScore(id) + written, await Users.ScoreAsync(source.ConnectionString, id));
        await using (var other = await app.OpenWriteConnectionAsync(staying))
        {
            Assert.Equal(1, await Users.IncrementScoreAsync(other.Connection, staying));
        }

        await SourceCapture.UnfenceAsync(cutover, move.MoveId);

        // A connection left in a failed transaction cannot release the fence by itself; it must not keep it in the pool.
        await using (var failed = await app.OpenWriteConnectionAsync(id))
        {
            await failed.Connection.BeginTransactionAsync();
            await Assert.ThrowsAsync<PostgresException>(() => Users.ExecuteAsync(failed.Connection, "SELECT 1/0"));
        }

        Assert.True(await SourceCapture.FenceAsync(cutover, move.MoveId, Patient, CancellationToken.None), "a failed transaction's connection kept the fence.");
        await SourceCapture.UnfenceAsync(cutover, move.MoveId);

        // Nor one closed by hand instead of disposing the write connection.
        await using (var closed = await app.OpenWriteConnectionAsync(id))
        {
            await closed.Connection.CloseAsync();
            Assert.True(await SourceCapture.FenceAsync(cutover, move.MoveId, Patient, CancellationToken.None), "a connection closed by hand kept the fence.");
        }

        await SourceCapture.UnfenceAsync(cutover, move.MoveId);

        // After the switch the key's write connection opens on the new owner.
        Assert.True(await ShardMove.ResumeAsync(scenario.Ops, move.MoveId));
        await running.WaitAsync(LiveMoveScenario.Generous);
        await scenario.WaitForApplicationSwitchAsync();
        await using (var moved = await app.OpenWriteConnectionAsync(id))
        {
            Assert.Equal(to.GetShard(id).Name, moved.Shard.Name);
            Assert.Equal(1, await Users.IncrementScoreAsync(moved.Connection, id));
        }

        Assert.Equal(Users.InitialScore(id) + written + 1, await Users.ScoreAsync(to.GetShard(id).ConnectionString, id));
        Assert.Null(await Users.ScoreAsync(source.ConnectionString, id));
    }
}
