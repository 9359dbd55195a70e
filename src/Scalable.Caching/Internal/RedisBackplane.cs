using StackExchange.Redis;

namespace Scalable.Caching.Internal;

// Cross-instance notices over one Redis pub/sub channel; an instance ignores what it sent itself.
internal sealed class RedisBackplane(RedisConnection connection, string channelName, string instanceId)
{
    private readonly RedisChannel _channel = new(channelName, RedisChannel.PatternMode.Literal);

    public Task SubscribeAsync(Action<BackplaneMessage> onMessage, Action<string> onBadMessage)
        => connection.Subscriber.SubscribeAsync(_channel, (_, value) =>
        {
            var text = (string?)value;
            if (!BackplaneMessage.TryDecode(text, out var message))
            {
                onBadMessage(text ?? string.Empty);
                return;
            }

            if (message.Sender != instanceId)
            {
                onMessage(message);
            }
        });

    public Task<long> PublishAsync(char kind, string name, long stampMs)
        => connection.Subscriber.PublishAsync(_channel, new BackplaneMessage(instanceId, kind, stampMs, name).Encode());

    public Task UnsubscribeAsync() => connection.Subscriber.UnsubscribeAsync(_channel);
}
