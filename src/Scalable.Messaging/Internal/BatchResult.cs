namespace Scalable.Messaging.Internal;

// A batch's outcome, sorted into what the mark step writes: ids to delete, rows to retry later, rows to dead-letter;
// rows Kafka could not be reached for are left as they are (no attempt charged) and only counted, so the relay backs off.
internal sealed class BatchResult
{
    public List<long> Delivered { get; } = [];

    public List<(OutboxRow Row, DateTimeOffset NextAttemptAt, string Error)> Retries { get; } = [];

    public List<(OutboxRow Row, string Error)> DeadLetters { get; } = [];

    public List<TimeSpan> Latencies { get; } = [];

    public List<string> Unreachable { get; } = [];

    public static BatchResult From(IReadOnlyList<OutboxRow> rows, PublishOutcome[] outcomes, DateTimeOffset now, ScalableMessagingOptions options)
    {
        var result = new BatchResult();
        for (var i = 0; i < rows.Count; i++)
        {
            var row = rows[i];
            switch (outcomes[i].Status)
            {
                case PublishStatus.Delivered:
                    result.Delivered.Add(row.Id);
                    result.Latencies.Add(now - row.CreatedAt);
                    break;
                case PublishStatus.Rejected:
                case PublishStatus.Failed when row.Attempts + 1 >= options.MaxAttempts:
                    result.DeadLetters.Add((row, outcomes[i].Error!));
                    break;
                case PublishStatus.Failed:
                    result.Retries.Add((row, now + RetryDelay.For(row.Attempts + 1, options.InitialRetryDelay, options.MaxRetryDelay), outcomes[i].Error!));
                    break;
                case PublishStatus.Unreachable:
                    result.Unreachable.Add(outcomes[i].Error!);
                    break;
                default:
                    break; // skipped or never sent: the row stays as it is and is read again in order.
            }
        }

        return result;
    }
}
