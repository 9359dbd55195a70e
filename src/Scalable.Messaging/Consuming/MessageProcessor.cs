using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Scalable.Messaging.Consuming;

// One try of one message: open the connection, begin, record in the inbox, run the handler, commit. Dead letters to the table go the same way.
internal sealed class MessageProcessor(
    string group,
    KafkaConsumerOptions options,
    NpgsqlDataSource? dataSource,
    IServiceProvider services,
    Func<IServiceProvider, IKafkaMessageHandler> resolveHandler,
    DeadLetterTable deadLetterTable)
{
    private readonly Inbox _inbox = new(options.Schema, options.TablePrefix);

    public async Task<ProcessOutcome> ProcessAsync(ConsumedMessage message, CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        NpgsqlConnection? connection = null;
        NpgsqlTransaction? transaction = null;
        try
        {
            try
            {
                connection = await OpenAsync(scope.ServiceProvider, message, cancellationToken).ConfigureAwait(false);
                transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
                if (!await _inbox.TryRecordAsync(transaction, group, message.MessageId, cancellationToken).ConfigureAwait(false))
                {
                    await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                    return new ProcessOutcome(ProcessStatus.Duplicate);
                }
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                return new ProcessOutcome(ProcessStatus.StepFailed, ex);
            }

            try
            {
                var handler = resolveHandler(scope.ServiceProvider);
                await handler.HandleAsync(message, transaction, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                // A transient database error (connection lost, failover, serialization failure) is not the message's fault: it does not count as an attempt.
                return new ProcessOutcome(ex is NpgsqlException { IsTransient: true } ? ProcessStatus.StepFailed : ProcessStatus.HandlerFailed, ex);
            }

            try
            {
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                return new ProcessOutcome(ProcessStatus.StepFailed, ex);
            }

            return new ProcessOutcome(ProcessStatus.Handled);
        }
        finally
        {
            if (transaction is not null)
            {
                await transaction.DisposeAsync().ConfigureAwait(false);
            }

            if (connection is not null)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    // Records the message as done in the inbox (so a redelivery is skipped) and, for the table target, writes the dead letter in the same transaction.
    public async Task RecordDeadLetterAsync(ConsumedMessage message, int attempts, string error, bool writeRow, CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        await using var connection = await OpenAsync(scope.ServiceProvider, message, cancellationToken).ConfigureAwait(false);
        if (writeRow)
        {
            await deadLetterTable.EnsureCreatedAsync(connection, cancellationToken).ConfigureAwait(false);
        }

        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        if (await _inbox.TryRecordAsync(transaction, group, message.MessageId, cancellationToken).ConfigureAwait(false) && writeRow)
        {
            await deadLetterTable.InsertAsync(transaction, group, message, attempts, error, cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask<NpgsqlConnection> OpenAsync(IServiceProvider scoped, ConsumedMessage message, CancellationToken cancellationToken)
    {
        if (options.ConnectionFactory is { } factory)
        {
            return await factory(scoped, message, cancellationToken).ConfigureAwait(false);
        }

        return await dataSource!.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
    }
}
