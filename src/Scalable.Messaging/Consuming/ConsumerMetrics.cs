using System.Diagnostics.Metrics;

namespace Scalable.Messaging.Consuming;

// The Kafka consumer's instruments, on the package's Meter from IMeterFactory; every measurement carries the consumer name.
internal sealed class ConsumerMetrics : IDisposable
{
    public const string MeterName = "Scalable.Messaging";
    public const string ConsumerTag = "scalable.consumer.name";
    private readonly bool _ownsMeter;
    private readonly Meter _meter;
    private readonly KeyValuePair<string, object?> _tag;
    private readonly Counter<long> _handled;
    private readonly Counter<long> _duplicates;
    private readonly Counter<long> _retried;
    private readonly Counter<long> _deadLettered;
    private readonly Histogram<double> _duration;

    public ConsumerMetrics(IMeterFactory? factory, string consumer)
    {
        _ownsMeter = factory is null;
        _meter = factory?.Create(MeterName) ?? new Meter(MeterName);
        _tag = new(ConsumerTag, consumer);
        _handled = _meter.CreateCounter<long>("scalable.messaging.consumer.handled", "{message}", "Messages whose handler ran and whose transaction committed with the inbox record.");
        _duplicates = _meter.CreateCounter<long>("scalable.messaging.consumer.duplicates", "{message}", "Redelivered messages the inbox had recorded before, skipped without running the handler.");
        _retried = _meter.CreateCounter<long>("scalable.messaging.consumer.retried", "{message}", "Tries of a message that failed (handler or database) and were scheduled again.");
        _deadLettered = _meter.CreateCounter<long>("scalable.messaging.consumer.dead_lettered", "{message}", "Messages moved to the dead-letter table or topic after MaxAttempts handler failures.");
        _duration = _meter.CreateHistogram<double>("scalable.messaging.consumer.handle.duration", "s", "Time from reading a message to committing its transaction.");
    }

    public void Handled(double seconds)
    {
        _handled.Add(1, _tag);
        _duration.Record(seconds, _tag);
    }

    public void Duplicate() => _duplicates.Add(1, _tag);

    public void Retried() => _retried.Add(1, _tag);

    public void DeadLettered() => _deadLettered.Add(1, _tag);

    public void Dispose()
    {
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }
}
