using System.Globalization;
using System.Text;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace Scalable.Messaging.Internal;

// Owns one idempotent producer; publishes a batch in id order and waits for every delivery report. A fatal error replaces the producer.
// When librdkafka's queue is full, it waits for delivery reports (which the producer's background thread serves) and produces
// the same message again: it never calls Poll, which background polling forbids, and never gives up a batch half produced.
internal sealed class KafkaPublisher(string outbox, ScalableMessagingOptions options, ILogger logger) : IDisposable
{
    private static readonly TimeSpan QueueFullWait = TimeSpan.FromMilliseconds(20);

    private IProducer<byte[], byte[]>? _producer;
    private volatile bool _fatal;

    public int ProducersCreated { get; private set; }

    public async Task<PublishOutcome[]> PublishAsync(IReadOnlyList<OutboxRow> rows, CancellationToken cancellationToken)
    {
        var producer = CurrentProducer();
        var outcomes = new PublishOutcome[rows.Count];
        var failedKeys = new HashSet<string>(StringComparer.Ordinal);
        var remaining = rows.Count + 1; // +1 until every message is handed over, so the last report cannot complete early
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var reported = new SemaphoreSlim(0); // not disposed: a report may still arrive after a cancelled batch returns
        void Complete()
        {
            if (Interlocked.Decrement(ref remaining) == 0)
            {
                done.TrySetResult();
            }
        }

        for (var i = 0; i < rows.Count; i++)
        {
            var row = rows[i];
            if (row.Key is not null && failedKeys.Contains(row.Key))
            {
                outcomes[i] = PublishOutcome.Skipped;
                Complete();
                continue;
            }

            var index = i;
            try
            {
                await ProduceWithBackpressureAsync(producer, row, report =>
                {
                    outcomes[index] = Outcome(report.Error);
                    Complete();
                    reported.Release();
                }, reported, cancellationToken).ConfigureAwait(false);
            }
            catch (KafkaException ex)
            {
                _fatal |= ex.Error.IsFatal;
                outcomes[i] = Outcome(ex.Error);
                if (row.Key is not null)
                {
                    failedKeys.Add(row.Key);
                }

                Complete();
            }
        }

        Complete();
        await done.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        if (_fatal)
        {
            Log.ProducerFatal(logger, outbox, "fatal error reported during the batch");
            ResetProducer();
        }

        return outcomes;
    }

    // Gives up the batch in flight: disposing the producer drops what it still queues, so none of it is sent later.
    public void Abandon() => ResetProducer();

    public void Dispose() => ResetProducer();

    private static async Task ProduceWithBackpressureAsync(IProducer<byte[], byte[]> producer, OutboxRow row, Action<DeliveryReport<byte[], byte[]>> onReport, SemaphoreSlim reported, CancellationToken cancellationToken)
    {
        var message = ToKafka(row);
        while (true)
        {
            try
            {
                producer.Produce(row.Topic, message, onReport);
                return;
            }
            catch (ProduceException<byte[], byte[]> ex) when (ex.Error.Code == ErrorCode.Local_QueueFull)
            {
                // A delivery report frees a place; the timeout covers places freed by another batch's reports.
                await reported.WaitAsync(QueueFullWait, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static Message<byte[], byte[]> ToKafka(OutboxRow row)
    {
        var headers = new Headers { { OutboxHeaders.MessageId, Encoding.UTF8.GetBytes(row.MessageId.ToString("D", CultureInfo.InvariantCulture)) } };
        if (row.TraceParent is not null)
        {
            headers.Add(OutboxHeaders.TraceParent, Encoding.UTF8.GetBytes(row.TraceParent));
            if (!string.IsNullOrEmpty(row.TraceState))
            {
                headers.Add(OutboxHeaders.TraceState, Encoding.UTF8.GetBytes(row.TraceState));
            }
        }

        foreach (var (name, value) in HeaderCodec.Decode(row.Headers))
        {
            headers.Add(name, value);
        }

        return new Message<byte[], byte[]>
        {
            Key = row.Key is null ? null! : Encoding.UTF8.GetBytes(row.Key),
            Value = row.Payload,
            Headers = headers,
        };
    }

    // The gapless guarantee is set on purpose, so librdkafka's "experimental" notice about it is not a warning for the application.
    private static LogLevel LevelOf(LogMessage message) => message.Message.Contains("enable.gapless.guarantee is experimental", StringComparison.Ordinal)
        ? LogLevel.Debug
        : message.Level switch
        {
            <= SyslogLevel.Error => LogLevel.Error,
            SyslogLevel.Warning => LogLevel.Warning,
            SyslogLevel.Notice or SyslogLevel.Info => LogLevel.Information,
            _ => LogLevel.Debug,
        };

    private static string Describe(Error error) => $"{error.Code}: {error.Reason}";

    private static PublishOutcome Outcome(Error error) => ProduceErrors.Outcome(error);

    private IProducer<byte[], byte[]> CurrentProducer()
    {
        if (_producer is not null)
        {
            return _producer;
        }

        _fatal = false;
        _producer = new ProducerBuilder<byte[], byte[]>(ProducerSettings.For(options.Producer))
            .SetErrorHandler((_, error) =>
            {
                if (error.IsFatal)
                {
                    _fatal = true;
                    Log.ProducerFatal(logger, outbox, Describe(error));
                }
                else
                {
                    Log.ProducerError(logger, outbox, Describe(error));
                }
            })
            .SetLogHandler((_, message) => Log.Librdkafka(logger, LevelOf(message), outbox, message.Facility, message.Message))
            .Build();
        ProducersCreated++;
        return _producer;
    }

    private void ResetProducer()
    {
        var producer = _producer;
        _producer = null;
        producer?.Dispose();
    }
}
