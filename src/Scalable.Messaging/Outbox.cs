using Npgsql;
using Scalable.Messaging.Internal;

namespace Scalable.Messaging;

/// <summary>One transactional outbox in one PostgreSQL database: enqueue inside your transaction, a relay publishes to Kafka.</summary>
public sealed class Outbox : IAsyncDisposable, IDisposable
{
    private readonly OutboxEnqueuer _enqueuer;
    private readonly bool _ownsDataSource;
    private readonly SchemaStep _schema;
    private readonly DeadLetterStore _deadLetters;

    internal Outbox(string name, ScalableMessagingOptions options, TimeProvider timeProvider, Action<string, NpgsqlDataSourceBuilder>? configureDataSource = null)
    {
        Name = name;
        Options = options;
        Tables = new OutboxTables(options.Schema, options.TablePrefix);
        _ownsDataSource = options.DataSource is null;
        DataSource = options.DataSource ?? BuildDataSource(name, options.ConnectionString!, configureDataSource);
        _enqueuer = new OutboxEnqueuer(name, Tables, options, timeProvider);
        _schema = new SchemaStep(name, Tables, options);
        _deadLetters = new DeadLetterStore(Tables, options);
    }

    /// <summary>Gets the outbox name (empty for the default outbox).</summary>
    public string Name { get; }

    internal ScalableMessagingOptions Options { get; }

    internal OutboxTables Tables { get; }

    internal NpgsqlDataSource DataSource { get; }

    /// <summary>Adds one message inside the caller's open transaction; it is published only if the transaction commits.</summary>
    /// <param name="transaction">The caller's open transaction on the outbox database.</param>
    /// <param name="message">The message.</param>
    /// <param name="cancellationToken">Cancels the insert.</param>
    /// <returns>The message id assigned to the message.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">The topic is empty or invalid, the payload is over the limit, a header name is empty or reserved, or the transaction is completed.</exception>
    public async ValueTask<Guid> EnqueueAsync(NpgsqlTransaction transaction, OutboxMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        var ids = await _enqueuer.EnqueueAsync(transaction, [message], cancellationToken).ConfigureAwait(false);
        return ids[0];
    }

    /// <summary>Adds several messages, in order, inside the caller's open transaction with one statement; all are checked before anything is written.</summary>
    /// <param name="transaction">The caller's open transaction on the outbox database.</param>
    /// <param name="messages">The messages, in the order they must be published per key.</param>
    /// <param name="cancellationToken">Cancels the insert.</param>
    /// <returns>The message ids, in the same order.</returns>
    /// <exception cref="ArgumentNullException">An argument or message is null.</exception>
    /// <exception cref="ArgumentException">A message is invalid (see <see cref="EnqueueAsync(NpgsqlTransaction, OutboxMessage, CancellationToken)"/>).</exception>
    public ValueTask<IReadOnlyList<Guid>> EnqueueAsync(NpgsqlTransaction transaction, IReadOnlyList<OutboxMessage> messages, CancellationToken cancellationToken = default)
        => _enqueuer.EnqueueAsync(transaction, messages, cancellationToken);

    /// <summary>Applies the missing schema versions (tables, indexes, version row); when the schema is current it only reads the version row; safe to run concurrently and repeatedly.</summary>
    /// <param name="cancellationToken">Cancels the statements.</param>
    /// <returns>A task that completes when the schema is at the latest version.</returns>
    /// <exception cref="InvalidOperationException">The outbox was created with another <see cref="ScalableMessagingOptions.BucketCount"/>.</exception>
    /// <exception cref="NpgsqlException">The database failed, or a migration waited longer than <see cref="ScalableMessagingOptions.SchemaLockTimeout"/> for a lock.</exception>
    public Task EnsureSchemaAsync(CancellationToken cancellationToken = default) => _schema.ApplyAsync(DataSource, cancellationToken);

    // Reads the version row only: for processes that enqueue and must not change the schema.
    internal Task VerifySchemaAsync(CancellationToken cancellationToken) => _schema.VerifyAsync(DataSource, cancellationToken);

    /// <summary>Releases a key held after one of its messages was dead-lettered, so its later messages flow again.</summary>
    /// <param name="key">The message key.</param>
    /// <param name="cancellationToken">Cancels the statement.</param>
    /// <returns>True if the key was held.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> is null.</exception>
    public async Task<bool> ReleaseKeyAsync(string key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        await using var command = DataSource.CreateCommand($"DELETE FROM {Tables.HeldKeys} WHERE key = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = key });
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
    }

    /// <summary>Lists dead letters in id order (the order of their key), optionally of one key, a page at a time.</summary>
    /// <param name="key">Only this key's dead letters, or null for all.</param>
    /// <param name="afterId">Start after this id (the last <see cref="DeadLetter.Id"/> of the previous page); 0 for the first page.</param>
    /// <param name="limit">The most dead letters returned.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The dead letters, oldest id first.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="limit"/> is not positive.</exception>
    public Task<IReadOnlyList<DeadLetter>> GetDeadLettersAsync(string? key = null, long afterId = 0, int limit = 100, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        return _deadLetters.ListAsync(DataSource, key, afterId, limit, cancellationToken);
    }

    /// <summary>Moves dead letters (oldest first, optionally of one key) back into the outbox with their original ids and zero attempts, and releases their keys, in one transaction.</summary>
    /// <param name="key">Only this key's dead letters, or null for all.</param>
    /// <param name="limit">The most dead letters moved by this call; call again while it returns <paramref name="limit"/>.</param>
    /// <param name="cancellationToken">Cancels the statements.</param>
    /// <returns>How many dead letters were moved back.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="limit"/> is not positive.</exception>
    public Task<int> ReplayDeadLettersAsync(string? key = null, int limit = 1000, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        return _deadLetters.ReplayAsync(DataSource, key, limit, cancellationToken);
    }

    /// <summary>Deletes dead letters recorded before a point in time, in small batches of one short transaction each.</summary>
    /// <param name="olderThan">Dead letters recorded before this are deleted.</param>
    /// <param name="batchSize">Rows deleted per transaction.</param>
    /// <param name="cancellationToken">Stops between batches.</param>
    /// <returns>How many dead letters were deleted.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="batchSize"/> is not positive.</exception>
    public Task<long> PurgeDeadLettersAsync(DateTimeOffset olderThan, int batchSize = 1000, CancellationToken cancellationToken = default)
        => BatchedPurge.RunAsync(DataSource, BatchedPurge.Sql(Tables.DeadLetters, "dead_lettered_at"), olderThan, batchSize, cancellationToken);

    private static NpgsqlDataSource BuildDataSource(string name, string connectionString, Action<string, NpgsqlDataSourceBuilder>? configure)
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        configure?.Invoke(name, builder);
        return builder.Build();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_ownsDataSource)
        {
            DataSource.Dispose();
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_ownsDataSource)
        {
            await DataSource.DisposeAsync().ConfigureAwait(false);
        }
    }
}
