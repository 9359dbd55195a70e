using System.Text;
using Confluent.Kafka;
using Scalable.Messaging;

namespace Scalable.Cluster.Tests;

// A plain consumer in its own group that reads a topic from the start while the test goes on, and keeps every
// message's key, message-id header and payload in arrival order.
internal sealed class TopicReader : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly List<(string Key, Guid MessageId, string Payload)> _read = [];
    private readonly Task _loop;

    public TopicReader(string bootstrapServers, string topic)
    {
        _loop = Task.Run(() =>
        {
            using var consumer = new ConsumerBuilder<string, byte[]>(new ConsumerConfig
            {
                BootstrapServers = bootstrapServers,
                GroupId = $"reader-{Guid.NewGuid():N}",
                AutoOffsetReset = AutoOffsetReset.Earliest,
                EnableAutoCommit = false,
            }).Build();
            consumer.Subscribe(topic);
            while (!_stop.IsCancellationRequested)
            {
                if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { } result)
                {
                    var id = Inbox.TryGetMessageId(result.Message.Headers, out var messageId) ? messageId : Guid.Empty;
                    lock (_read)
                    {
                        _read.Add((result.Message.Key, id, Encoding.UTF8.GetString(result.Message.Value)));
                    }
                }
            }

            consumer.Close();
        });
    }

    public IReadOnlyList<(string Key, Guid MessageId, string Payload)> Read
    {
        get
        {
            lock (_read)
            {
                return _read.ToList();
            }
        }
    }

    public int DistinctCount => Read.Select(m => m.MessageId).Distinct().Count();

    public Task WaitForAsync(int distinct, string because) => Eventually.TrueAsync(() => DistinctCount >= distinct, TimeSpan.FromSeconds(90), because);

    public void Dispose()
    {
        _stop.Cancel();
        _loop.GetAwaiter().GetResult();
        _stop.Dispose();
    }
}
