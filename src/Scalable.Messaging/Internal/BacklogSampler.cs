using Microsoft.Extensions.Logging;

namespace Scalable.Messaging.Internal;

// Samples the pending count and the oldest pending message for the observable gauges, so metric collection never queries
// the database. Cheap whatever the backlog: the count is exact up to ExactUpTo rows (a bounded index scan) and the
// planner's estimate above; the oldest row is the first of the primary key.
internal sealed class BacklogSampler(Outbox outbox, TimeProvider timeProvider, ILogger logger)
{
    public const int ExactUpTo = 10_000;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var table = outbox.Tables.Messages;
        var sql = $"""
            SELECT CASE WHEN e.n <= {ExactUpTo} THEN e.n
                        ELSE greatest(e.n, (SELECT CASE WHEN c.relpages > 0 AND c.reltuples > 0
                                                        THEN (c.reltuples / c.relpages * (pg_relation_size(c.oid) / current_setting('block_size')::int))::bigint
                                                        ELSE 0 END
                                            FROM pg_class c WHERE c.oid = '{table}'::regclass)) END,
                   (SELECT created_at FROM {table} ORDER BY id LIMIT 1)
            FROM (SELECT count(*) AS n FROM (SELECT 1 FROM {table} LIMIT {ExactUpTo + 1}) AS l) AS e
            """;
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
