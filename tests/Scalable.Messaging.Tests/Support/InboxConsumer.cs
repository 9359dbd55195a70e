using Npgsql;

namespace Scalable.Messaging.Tests.Support;

// A consumer's handler as an application writes it: its effect and the inbox record commit in one transaction.
internal static class InboxConsumer
{
    public static async Task<int> ApplyAsync(NpgsqlDataSource database, IEnumerable<ReadMessage> messages, string group = "billing")
    {
        await using (var create = database.CreateCommand("CREATE TABLE IF NOT EXISTS effects (message_id uuid NOT NULL)"))
        {
            await create.ExecuteNonQueryAsync();
        }

        var inbox = new Inbox();
        await using var connection = await database.OpenConnectionAsync();
        foreach (var message in messages)
        {
            await using var transaction = await connection.BeginTransactionAsync();
            if (await inbox.TryRecordAsync(transaction, group, message.MessageId))
            {
                await using var effect = new NpgsqlCommand("INSERT INTO effects VALUES ($1)", connection, transaction);
                effect.Parameters.Add(new NpgsqlParameter { Value = message.MessageId });
                await effect.ExecuteNonQueryAsync();
            }

            await transaction.CommitAsync();
        }

        await using var count = database.CreateCommand("SELECT count(*) FROM effects");
        return (int)(long)(await count.ExecuteScalarAsync())!;
    }
}
