using Scalable.Messaging.Tests.Support;
using Scalable.TestSupport;

namespace Scalable.Messaging.Tests;

public sealed class EnqueueTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    [Fact]
    public async Task Committed_messages_are_stored_in_order_with_their_ids_and_the_current_trace_context()
    {
        await using var outbox = await NewOutboxAsync();
        using var request = new TestActivity();

        var ids = await TestOutbox.EnqueueAsync(outbox, Messages.RoundRobin("orders", keys: 2, from: 0, count: 4));

        Assert.Equal(4, ids.Distinct().Count());
        await using var command = outbox.DataSource.CreateCommand("SELECT message_id, key, traceparent FROM scalable.outbox_messages ORDER BY id");
        await using var reader = await command.ExecuteReaderAsync();
        var stored = new List<(Guid Id, string Key, string TraceParent)>();
        while (await reader.ReadAsync())
        {
            stored.Add((reader.GetGuid(0), reader.GetString(1), reader.GetString(2)));
        }

        Assert.Equal(ids, stored.Select(s => s.Id));
        Assert.Equal(["key-0", "key-1", "key-0", "key-1"], stored.Select(s => s.Key));
        Assert.All(stored, s => Assert.Equal(request.Activity.Id, s.TraceParent));
    }

    [Fact]
    public async Task A_rolled_back_transaction_leaves_no_row()
    {
        await using var outbox = await NewOutboxAsync();

        await TestOutbox.EnqueueAsync(outbox, Messages.RoundRobin("orders", keys: 1, from: 0, count: 3), commit: false);

        Assert.Equal(0, await TestOutbox.CountAsync(outbox));
    }

    [Fact]
    public async Task An_empty_topic_is_rejected_and_nothing_of_the_call_is_written()
    {
        await using var outbox = await NewOutboxAsync();
        OutboxMessage[] messages = [Messages.Numbered("orders", "a", 0), new OutboxMessage("", "a", new byte[1])];

        var error = await Assert.ThrowsAsync<ArgumentException>(() => TestOutbox.EnqueueAsync(outbox, messages));

        Assert.Contains("empty topic", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, await TestOutbox.CountAsync(outbox));
    }

    [Fact]
    public async Task A_payload_over_the_limit_is_rejected_naming_the_setting()
    {
        await using var outbox = await NewOutboxAsync(o => o.MaxPayloadBytes = 100);
        OutboxMessage[] messages = [Messages.Numbered("orders", "a", 0), new OutboxMessage("orders", "a", new byte[101])];

        var error = await Assert.ThrowsAsync<ArgumentException>(() => TestOutbox.EnqueueAsync(outbox, messages));

        Assert.Contains("MaxPayloadBytes", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, await TestOutbox.CountAsync(outbox));
    }

    [Theory]
    [InlineData("orders;drop table x")]
    [InlineData("an invalid topic")]
    public async Task An_invalid_topic_name_is_rejected(string topic)
    {
        await using var outbox = await NewOutboxAsync();

        await Assert.ThrowsAsync<ArgumentException>(() => TestOutbox.EnqueueAsync(outbox, [new OutboxMessage(topic, "a", new byte[1])]));

        Assert.Equal(0, await TestOutbox.CountAsync(outbox));
    }

    [Fact]
    public async Task A_header_that_the_outbox_sets_itself_is_rejected()
    {
        await using var outbox = await NewOutboxAsync();
        var headers = new Dictionary<string, byte[]> { [OutboxHeaders.MessageId] = [1] };

        var error = await Assert.ThrowsAsync<ArgumentException>(() => TestOutbox.EnqueueAsync(outbox, [new OutboxMessage("orders", "a", new byte[1], headers)]));

        Assert.Contains(OutboxHeaders.MessageId, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Enqueue_on_a_completed_transaction_is_rejected()
    {
        await using var outbox = await NewOutboxAsync();
        await using var connection = await outbox.DataSource.OpenConnectionAsync();
        var transaction = await connection.BeginTransactionAsync();
        await transaction.CommitAsync();

        var error = await Assert.ThrowsAsync<ArgumentException>(async () => await outbox.EnqueueAsync(transaction, Messages.Numbered("orders", "a", 0)));

        Assert.Equal("transaction", error.ParamName);
    }

    [Fact]
    public async Task Creating_the_schema_twice_concurrently_is_harmless()
    {
        await using var outbox = await NewOutboxAsync();

        await Task.WhenAll(outbox.EnsureSchemaAsync(), outbox.EnsureSchemaAsync(), outbox.EnsureSchemaAsync());

        await TestOutbox.EnqueueAsync(outbox, [Messages.Numbered("orders", "a", 0)]);
        Assert.Equal(1, await TestOutbox.CountAsync(outbox));
    }

    private async Task<Outbox> NewOutboxAsync(Action<ScalableMessagingOptions>? configure = null)
        => await TestOutbox.CreateAsync(await postgres.Server.CreateDatabaseAsync("enqueue"), "127.0.0.1:9", configure);
}
