using Scalable.TestSupport;

namespace Scalable.Messaging.Tests.Support;

// One PostgreSQL server and one 3-broker Kafka mock cluster shared by a test class; each test makes its own database and topic.
public sealed class MessagingFixture : IAsyncLifetime
{
    private PostgresServer? _postgres;

    public PostgresServer Postgres => _postgres ?? throw new InvalidOperationException("Not initialized.");

    public KafkaMockCluster Kafka { get; } = KafkaMockCluster.Start(brokers: 3);

    public string CreateTopic(int partitions = 4)
    {
        var name = $"outbox-{Guid.NewGuid():N}";
        Kafka.CreateTopic(name, partitions, Math.Min(3, Math.Max(1, Kafka.BrokerCount)));
        return name;
    }

    public async Task InitializeAsync() => _postgres = await PostgresServer.StartAsync();

    public async Task DisposeAsync()
    {
        Kafka.Dispose();
        if (_postgres is not null)
        {
            await _postgres.DisposeAsync();
        }
    }
}
