using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Scalable.Messaging.Internal;

namespace Scalable.Messaging.Consuming;

// Reads messages one at a time and stores a message's offset only once its transaction committed. A failed message pauses its
// partition and is read again from its own offset after a backoff, so nothing behind it is stored first; the other partitions go on.
internal sealed class KafkaConsumerLoop(
    string name,
    KafkaConsumerOptions options,
    MessageProcessor processor,
    DeadLetterProducer deadLetterProducer,
    ConsumerMetrics metrics,
    TimeProvider timeProvider,
    ILogger logger)
{
    private static readonly TimeSpan PollTimeout = TimeSpan.FromMilliseconds(100);
    private readonly Dictionary<TopicPartition, RetryState> _retries = [];

    public async Task RunAsync(CancellationToken stopping, CancellationToken aborting)
    {
        var failures = 0;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await RunClientAsync(stopping, aborting).ConfigureAwait(false);
                return;
            }
            catch (Exception ex) when (!aborting.IsCancellationRequested)
            {
                if (stopping.IsCancellationRequested)
                {
                    ConsumerLog.KafkaError(logger, name, ex.Message);
                    return;
                }

                // A fatal client error or a failed seek: a new client resumes from the committed offsets, which never pass an unhandled message.
                var delay = RetryDelay.For(++failures, options.InitialRetryDelay, options.MaxRetryDelay);
                ConsumerLog.LoopFailed(logger, name, delay, ex);
                try
                {
                    await Task.Delay(delay, timeProvider, stopping).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private async Task RunClientAsync(CancellationToken stopping, CancellationToken aborting)
    {
        _retries.Clear();
        using var consumer = Build();
        consumer.Subscribe(options.Topics);
        ConsumerLog.Started(logger, name, string.Join(", ", options.Topics), options.Consumer.GroupId);
        try
        {
            while (!stopping.IsCancellationRequested)
            {
                ResumeDue(consumer);
                ConsumeResult<byte[]?, byte[]?>? result;
                try
                {
                    result = consumer.Consume(PollTimeout);
                }
                catch (ConsumeException ex) when (!ex.Error.IsFatal)
                {
                    ConsumerLog.KafkaError(logger, name, ex.Error.Reason);
                    continue;
                }

                if (result is not null && !result.IsPartitionEOF && ShouldHandle(consumer, result))
                {
                    await HandleAsync(consumer, result, aborting).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            Commit(consumer);
            try
            {
                consumer.Close();
            }
            catch (KafkaException ex)
            {
                ConsumerLog.KafkaError(logger, name, ex.Error.Reason);
            }

            ConsumerLog.Stopped(logger, name);
        }
    }

    private IConsumer<byte[]?, byte[]?> Build()
    {
        var config = new ConsumerConfig(new Dictionary<string, string>(options.Consumer))
        {
            EnableAutoOffsetStore = false,
            EnableAutoCommit = true,
        };
        config.AutoOffsetReset ??= AutoOffsetReset.Earliest;
        return new ConsumerBuilder<byte[]?, byte[]?>(config)
            .SetErrorHandler((_, error) => ConsumerLog.KafkaError(logger, name, error.Reason))
            .SetPartitionsAssignedHandler((_, partitions) => ConsumerLog.Assigned(logger, name, string.Join(", ", partitions)))
            .SetPartitionsRevokedHandler((c, partitions) =>
            {
                ConsumerLog.Revoked(logger, name, string.Join(", ", partitions.Select(p => p.TopicPartition)));
                Commit(c);
                Forget(partitions.Select(p => p.TopicPartition));
            })
            .SetPartitionsLostHandler((_, partitions) => Forget(partitions.Select(p => p.TopicPartition)))
            .Build();
    }

    // A partition that waits for a retry must hand out its stuck message first: anything else it delivers is sent back to that offset.
    private bool ShouldHandle(IConsumer<byte[]?, byte[]?> consumer, ConsumeResult<byte[]?, byte[]?> result)
    {
        if (!_retries.TryGetValue(result.TopicPartition, out var state) || (state.Offset == result.Offset.Value && !state.Paused))
        {
            return true;
        }

        consumer.Seek(new TopicPartitionOffset(result.TopicPartition, state.Offset));
        return false;
    }

    private async Task HandleAsync(IConsumer<byte[]?, byte[]?> consumer, ConsumeResult<byte[]?, byte[]?> result, CancellationToken cancellationToken)
    {
        var state = _retries.GetValueOrDefault(result.TopicPartition) ?? new RetryState(result.Offset.Value);
        var messageId = Inbox.TryGetMessageId(result.Message.Headers, out var id) ? id : PositionId.For(result.TopicPartitionOffset);
        var message = new ConsumedMessage(result, messageId, state.HandlerFailures + 1);
        if (state.HandlerFailures >= options.MaxAttempts)
        {
            await DeadLetterAsync(consumer, result, message, state, cancellationToken).ConfigureAwait(false);
            return;
        }

        var started = timeProvider.GetTimestamp();
        var outcome = await processor.ProcessAsync(message, cancellationToken).ConfigureAwait(false);
        switch (outcome.Status)
        {
            case ProcessStatus.Handled:
                metrics.Handled(timeProvider.GetElapsedTime(started).TotalSeconds);
                Store(consumer, result);
                break;
            case ProcessStatus.Duplicate:
                metrics.Duplicate();
                ConsumerLog.Duplicate(logger, name, result.TopicPartitionOffset.ToString(), messageId);
                Store(consumer, result);
                break;
            case ProcessStatus.HandlerFailed:
                state.HandlerFailures++;
                state.LastError = $"{outcome.Error!.GetType().Name}: {outcome.Error.Message}";
                if (state.HandlerFailures >= options.MaxAttempts)
                {
                    await DeadLetterAsync(consumer, result, message, state, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    var delay = RetryDelay.For(state.HandlerFailures, options.InitialRetryDelay, options.MaxRetryDelay);
                    ConsumerLog.HandlerFailed(logger, name, result.TopicPartitionOffset.ToString(), state.HandlerFailures, options.MaxAttempts, delay, outcome.Error);
                    Retry(consumer, result, state, delay);
                }

                break;
            default:
                StepFailed(consumer, result, state, outcome.Error!);
                break;
        }
    }

    private async Task DeadLetterAsync(IConsumer<byte[]?, byte[]?> consumer, ConsumeResult<byte[]?, byte[]?> result, ConsumedMessage message, RetryState state, CancellationToken cancellationToken)
    {
        var toTopic = options.DeadLetterTarget == ConsumerDeadLetterTarget.Topic;
        try
        {
            if (toTopic)
            {
                await deadLetterProducer.ProduceAsync(message, state.HandlerFailures, state.LastError, cancellationToken).ConfigureAwait(false);
            }

            await processor.RecordDeadLetterAsync(message, state.HandlerFailures, state.LastError, writeRow: !toTopic, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            StepFailed(consumer, result, state, ex);
            return;
        }

        metrics.DeadLettered();
        ConsumerLog.DeadLettered(logger, name, result.TopicPartitionOffset.ToString(), message.MessageId, toTopic ? $"topic '{options.DeadLetterTopic}'" : $"table '{options.DeadLetterTable}'", state.HandlerFailures, state.LastError);
        Store(consumer, result);
    }

    private void StepFailed(IConsumer<byte[]?, byte[]?> consumer, ConsumeResult<byte[]?, byte[]?> result, RetryState state, Exception error)
    {
        state.StepFailures++;
        var delay = RetryDelay.For(state.StepFailures, options.InitialRetryDelay, options.MaxRetryDelay);
        ConsumerLog.StepFailed(logger, name, result.TopicPartitionOffset.ToString(), delay, error);
        Retry(consumer, result, state, delay);
    }

    private void Retry(IConsumer<byte[]?, byte[]?> consumer, ConsumeResult<byte[]?, byte[]?> result, RetryState state, TimeSpan delay)
    {
        metrics.Retried();
        state.ResumeAt = timeProvider.GetTimestamp() + (long)(delay.TotalSeconds * timeProvider.TimestampFrequency);
        state.Paused = true;
        _retries[result.TopicPartition] = state;
        consumer.Seek(result.TopicPartitionOffset);
        consumer.Pause([result.TopicPartition]);
    }

    private void ResumeDue(IConsumer<byte[]?, byte[]?> consumer)
    {
        var now = timeProvider.GetTimestamp();
        foreach (var (partition, state) in _retries)
        {
            if (state.Paused && state.ResumeAt <= now)
            {
                state.Paused = false;
                consumer.Resume([partition]);
            }
        }
    }

    private void Store(IConsumer<byte[]?, byte[]?> consumer, ConsumeResult<byte[]?, byte[]?> result)
    {
        _retries.Remove(result.TopicPartition);
        try
        {
            consumer.StoreOffset(result);
        }
        catch (KafkaException ex)
        {
            // The partition went to another member meanwhile; the message is committed in the database, so its redelivery is a duplicate the inbox skips.
            ConsumerLog.CommitFailed(logger, name, ex.Error.Reason);
        }
    }

    private void Forget(IEnumerable<TopicPartition> partitions)
    {
        foreach (var partition in partitions)
        {
            _retries.Remove(partition);
        }
    }

    private void Commit(IConsumer<byte[]?, byte[]?> consumer)
    {
        try
        {
            consumer.Commit();
        }
        catch (KafkaException ex) when (ex.Error.Code == ErrorCode.Local_NoOffset)
        {
            // Nothing stored since the last commit.
        }
        catch (KafkaException ex)
        {
            ConsumerLog.CommitFailed(logger, name, ex.Error.Reason);
        }
    }
}
