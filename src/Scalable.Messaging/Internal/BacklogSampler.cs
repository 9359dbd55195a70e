using Microsoft.Extensions.Logging;
using Npgsql;

namespace Scalable.Messaging.Internal;

// Samples the pending count and the oldest pending message for the observable gauges, so metric collection never queries the database.
internal sealed class BacklogSampler(Outbox outbox, TimeProvider timeProvider, ILogger logger)
{
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var sql = $"SELECT count(*), min(created_at) FROM {outbox.Tables.Messages}";
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await using var command = outbox.DataSource.CreateCommand(sql);
                await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                var oldest = reader.IsDBNull(1) ? (DateTimeOffset?)null : reader.GetFieldValue<DateTimeOffset>(1);
                var age = oldest is null ? 0 : Math.Max(0, (timeProvider.GetUtcNow() - oldest.Value).TotalSeconds);
                OutboxTelemetry.Report(outbox.Name, reader.GetInt64(0), age);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException) // an unexpected error must not stop the host: log, back off, go on
            {
                Log.BacklogSampleFailed(logger, outbox.Name, ex);
            }

            await Task.Delay(outbox.Options.MetricsInterval, timeProvider, cancellationToken).ConfigureAwait(false);
        }
    }
}
