using Npgsql;
using Scalable.Messaging.Tests.Support;
using Scalable.TestSupport;

namespace Scalable.Messaging.Tests;

public sealed class InboxTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    [Fact]
    public async Task A_message_id_is_recorded_once_per_consumer_group()
    {
        await using var database = await NewDatabaseAsync();
        var inbox = new Inbox();
        var id = Guid.NewGuid();

        Assert.True(await RecordAsync(database, inbox, "billing", id, commit: true));
        Assert.False(await RecordAsync(database, inbox, "billing", id, commit: true));
        Assert.True(await RecordAsync(database, inbox, "shipping", id, commit: true));
    }

    [Fact]
    public async Task A_record_made_in_a_rolled_back_handler_transaction_does_not_count()
    {
        await using var database = await NewDatabaseAsync();
        var inbox = new Inbox();
        var id = Guid.NewGuid();

        Assert.True(await RecordAsync(database, inbox, "billing", id, commit: false));
        Assert.True(await RecordAsync(database, inbox, "billing", id, commit: true));
    }

    [Fact]
    public async Task Purge_deletes_old_records_in_batches_and_keeps_newer_ones()
    {
        await using var database = await NewDatabaseAsync();
        var inbox = new Inbox();
        var ids = Enumerable.Range(0, 5).Select(_ => Guid.NewGuid()).ToList();
        foreach (var id in ids)
        {
            await RecordAsync(database, inbox, "billing", id, commit: true);
        }

        Assert.Equal(0, await inbox.PurgeAsync(database, DateTimeOffset.UtcNow.AddHours(-1), batchSize: 2));
        Assert.False(await RecordAsync(database, inbox, "billing", ids[0], commit: false));
        Assert.Equal(5, await inbox.PurgeAsync(database, DateTimeOffset.UtcNow.AddHours(1), batchSize: 2));
        Assert.True(await RecordAsync(database, inbox, "billing", ids[0], commit: false));
    }

    [Fact]
    public void Invalid_table_names_are_rejected()
    {
        Assert.Equal("schema", Assert.Throws<ArgumentException>(() => new Inbox("public; drop table x")).ParamName);
        Assert.Equal("tablePrefix", Assert.Throws<ArgumentException>(() => new Inbox("scalable", "Outbox")).ParamName);
    }

    private static async Task<bool> RecordAsync(NpgsqlDataSource database, Inbox inbox, string group, Guid id, bool commit)
    {
        await using var connection = await database.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var first = await inbox.TryRecordAsync(transaction, group, id);
        if (commit)
        {
            await transaction.CommitAsync();
        }

        return first;
    }

    private async Task<NpgsqlDataSource> NewDatabaseAsync()
    {
        var connectionString = await postgres.Server.CreateDatabaseAsync("inbox");
        await using var outbox = await TestOutbox.CreateAsync(connectionString, "127.0.0.1:9");
        return NpgsqlDataSource.Create(connectionString);
    }
}
