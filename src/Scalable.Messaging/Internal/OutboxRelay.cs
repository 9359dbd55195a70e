using System.Diagnostics;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Scalable.Messaging.Internal;

// One relay loop: claim buckets, publish their due rows in id order, record the outcome, commit; idle until notified or polled.
internal sealed class OutboxRelay(Outbox outbox, WakeSignal wake, TimeProvider timeProvider, ILogger logger, int index)
{
    private static readonly TimeSpan FirstFailureDelay = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan LongestFailureDelay = TimeSpan.FromSeconds(10);

    // While a batch waits for Kafka, its session is checked this often: a relay whose session the server ended has lost its
    // bucket locks to other relays, and must stop producing.
    private static readonly TimeSpan SessionCheckInterval = TimeSpan.FromSeconds(1);

    private readonly ScalableMessagingOptions _options = outbox.Options;
    private readonly BatchStore _store = new(outbox.Tables, outbox.Options);
    private int _nextBucket = Random.Shared.Next(outbox.Options.BucketCount);

    // Runs after Kafka acknowledged a batch and before the batch is marked: lets tests stop a relay exactly there.
    internal Func<IReadOnlyList<OutboxRow>, CancellationToken, Task>? AfterPublish { get; set; }

    // Runs before each batch is claimed: lets benchmarks hold warm relays until a backlog is in place.
    internal Func<CancellationToken, Task>? BeforeBatch { get; set; }

    internal int ProducersCreated { get; private set; }

    public Task RunAsync(CancellationToken cancellationToken) => RunAsync(cancellationToken, cancellationToken);

    // stopping: take no new batch (a graceful stop finishes and marks the batch in flight, so it is not published twice);
    // abort: give up the batch in flight too (its rows stay and are published again later).
    public async Task RunAsync(CancellationToken stopping, CancellationToken abort)
    {
        Log.RelayStarted(logger, index, outbox.Name);
        OutboxTelemetry.Relays.Add(1, OutboxTelemetry.Tag(outbox.Name));
        using var publisher = new KafkaPublisher(outbox.Name, _options, logger);
        NpgsqlConnection? connection = null;
        var failures = 0;
        var outages = 0;
        try
        {
            while (!stopping.IsCancellationRequested)
            {
                var woken = wake.Current;
                try
                {
                    connection ??= await OpenAsync(stopping).ConfigureAwait(false);
                    while (!stopping.IsCancellationRequested)
                    {
                        var (handled, unreachable) = await ClaimAndPublishAsync(connection, publisher, abort).ConfigureAwait(false);
                        if (unreachable is not null)
                        {
                            // Kafka could not be reached: the rows stay as they were, in order, and no attempt is charged.
                            // Back off so an outage is not a busy loop; the next batch tries again.
                            var delay = RetryDelay.For(++outages, FirstFailureDelay, LongestFailureDelay);
                            Log.KafkaUnreachable(logger, outbox.Name, delay, unreachable);
                            await Task.Delay(delay, timeProvider, stopping).ConfigureAwait(false);
                            continue;
                        }

                        outages = 0;
                        if (handled == 0)
                        {
                            break;
                        }
                    }

                    failures = 0;
                    await Task.WhenAny(woken, Task.Delay(_options.PollingInterval, timeProvider, stopping)).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (stopping.IsCancellationRequested || abort.IsCancellationRequested)
                {
                    break;
                }
                catch (Exception ex) when (ex is not OperationCanceledException) // an unexpected error must not stop the host: log, back off, go on
                {
                    var delay = RetryDelay.For(++failures, FirstFailureDelay, LongestFailureDelay);
                    Log.RelayFailed(logger, outbox.Name, delay, ex);
                    await DropAsync(connection).ConfigureAwait(false);
                    connection = null;
                    await Task.Delay(delay, timeProvider, stopping).ConfigureAwait(false);
                }
                finally
                {
                    ProducersCreated = publisher.ProducersCreated;
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
        finally
        {
            await DropAsync(connection).ConfigureAwait(false);
            OutboxTelemetry.Relays.Add(-1, OutboxTelemetry.Tag(outbox.Name));
            Log.RelayStopped(logger, index, outbox.Name);
        }
    }

    // Returns how many rows were delivered, rescheduled or dead-lettered, and the first error of rows Kafka could not be reached for.
    private async Task<(int Handled, string? Unreachable)> ClaimAndPublishAsync(NpgsqlConnection connection, KafkaPublisher publisher, CancellationToken cancellationToken)
    {
        if (BeforeBatch is { } gate)
        {
            await gate(cancellationToken).ConfigureAwait(false);
        }

        // Read committed, whatever the data source's default: each read must see the rows as of after its bucket locks were taken.
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.ReadCommitted, cancellationToken).ConfigureAwait(false);
        var rows = await ClaimRowsAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
        if (rows.Count == 0)
        {
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return (0, null);
        }

        using var activity = OutboxTelemetry.ActivitySource.StartActivity("outbox publish", ActivityKind.Producer);
        activity?.SetTag(OutboxTelemetry.OutboxTag, outbox.Name);
        activity?.SetTag("messaging.batch.message_count", rows.Count);
        var outcomes = await PublishFencedAsync(publisher, rows, connection, transaction, cancellationToken).ConfigureAwait(false);
        if (AfterPublish is { } hook)
        {
            await hook(rows, cancellationToken).ConfigureAwait(false);
        }

        var now = timeProvider.GetUtcNow();
        var result = BatchResult.From(rows, outcomes, now, _options);
        await _store.MarkAsync(connection, transaction, result, now, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        Record(result);
        return (result.Delivered.Count + result.Retries.Count + result.DeadLetters.Count, result.Unreachable.Count == 0 ? null : result.Unreachable[0]);
    }

    // Publishes while checking the session: when the server has ended it (idle-in-transaction timeout, pg_terminate_backend,
    // failover), the producer is disposed at once, so the messages it still queues are never sent beside the relay that
    // took the buckets over. Messages already on the wire may still arrive: those are the duplicates that remain.
    private async Task<PublishOutcome[]> PublishFencedAsync(KafkaPublisher publisher, IReadOnlyList<OutboxRow> rows, NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        using var fence = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var publishing = publisher.PublishAsync(rows, fence.Token);
        while (true)
        {
            if (await Task.WhenAny(publishing, Task.Delay(SessionCheckInterval, timeProvider, cancellationToken)).ConfigureAwait(false) == publishing)
            {
                return await publishing.ConfigureAwait(false);
            }

            try
            {
                await using var check = new NpgsqlCommand("SELECT 1", connection, transaction);
                await check.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is NpgsqlException or IOException or InvalidOperationException)
            {
                Log.RelayFenced(logger, outbox.Name, rows.Count, ex);
                await fence.CancelAsync().ConfigureAwait(false);
                publisher.Abandon();
                try
                {
                    await publishing.ConfigureAwait(false);
                }
                catch (Exception abandoned) when (abandoned is OperationCanceledException or ObjectDisposedException or KafkaException)
                {
                    // expected: the batch was given up
                }

                throw;
            }
        }
    }

    // The relay's session waits for Kafka inside its transaction by design: a server-wide idle-in-transaction timeout must
    // not end it (the periodic session check keeps it active too).
    private async Task<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = await outbox.DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("SET idle_in_transaction_session_timeout = 0", connection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return connection;
    }

    // Claims groups of buckets until the batch is full or every bucket was tried: a light load goes out in one batch,
    // while under a backlog a relay stops after a few buckets and leaves the others to other relays.
    private async Task<List<OutboxRow>> ClaimRowsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        var rotation = Rotation();
        var now = timeProvider.GetUtcNow();
        var rows = new List<OutboxRow>();
        var offset = 0;
        while (offset < rotation.Length && rows.Count < _options.BatchSize)
        {
            var buckets = await _store.ClaimBucketsAsync(connection, transaction, rotation[offset..], cancellationToken).ConfigureAwait(false);
            if (buckets.Length == 0)
            {
                break;
            }

            offset = Array.IndexOf(rotation, buckets[^1]) + 1;
            _nextBucket = (buckets[^1] + 1) % _options.BucketCount;
            await _store.ReadAsync(connection, transaction, buckets, now, _options.BatchSize - rows.Count, rows, cancellationToken).ConfigureAwait(false);
        }

        return rows;
    }

    private void Record(BatchResult result)
    {
        var tag = OutboxTelemetry.Tag(outbox.Name);
        OutboxTelemetry.Published.Add(result.Delivered.Count, tag);
        OutboxTelemetry.Retried.Add(result.Retries.Count, tag);
        OutboxTelemetry.DeadLettered.Add(result.DeadLetters.Count, tag);
        foreach (var latency in result.Latencies)
        {
            OutboxTelemetry.CommitToAck.Record(latency.TotalSeconds, tag);
        }

        foreach (var (row, error) in result.DeadLetters)
        {
            Log.DeadLettered(logger, row.MessageId, row.Key, outbox.Name, row.Attempts + 1, error);
        }

        foreach (var (row, _, error) in result.Retries)
        {
            Log.PublishFailed(logger, row.MessageId, outbox.Name, row.Attempts + 1, error);
        }

        Log.BatchPublished(logger, outbox.Name, result.Delivered.Count);
    }

    private int[] Rotation()
    {
        var count = _options.BucketCount;
        var order = new int[count];
        for (var i = 0; i < count; i++)
        {
            order[i] = (_nextBucket + i) % count;
        }

        return order;
    }

    private static async Task DropAsync(NpgsqlConnection? connection)
    {
        if (connection is not null)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }
}
