using Confluent.Kafka;
using Npgsql;

namespace Scalable.Messaging.Tests.Support;

// Builds an outbox on a test database, with small retry delays and the schema created.
internal static class TestOutbox
{
    public static async Task<Outbox> CreateAsync(string connectionString, string bootstrapServers, Action<ScalableMessagingOptions>? configure = null, string name = "test")
    {
        var options = new ScalableMessagingOptions
        {
            ConnectionString = connectionString,
            Producer = new ProducerConfig { BootstrapServers = bootstrapServers, LingerMs = 2 },
            PollingInterval = TimeSpan.FromMilliseconds(200),
            InitialRetryDelay = TimeSpan.FromMilliseconds(100),
            MaxRetryDelay = TimeSpan.FromSeconds(1),
        };
        configure?.Invoke(options);
        var outbox = new Outbox(name, options, TimeProvider.System);
        await outbox.EnsureSchemaAsync();
        return outbox;
    }

    public static async Task<IReadOnlyList<Guid>> EnqueueAsync(Outbox outbox, IReadOnlyList<OutboxMessage> messages, bool commit = true)
    {
        await using var connection = await outbox.DataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var ids = await outbox.EnqueueAsync(transaction, messages);
        if (commit)
        {
            await transaction.CommitAsync();
        }
        else
        {
            await transaction.RollbackAsync();
        }

        return ids;
    }

    public static async Task<long> CountAsync(Outbox outbox, string table = "messages")
    {
        await using var command = outbox.DataSource.CreateCommand($"SELECT count(*) FROM scalable.outbox_{table}");
        return (long)(await command.ExecuteScalarAsync())!;
    }

    public static async Task<T?> ScalarAsync<T>(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        var value = await command.ExecuteScalarAsync();
        return value is DBNull or null ? default : (T)value;
    }
}
