namespace Scalable.TestSupport;

/// <summary>An xunit fixture that shares one 3-broker Kafka mock cluster (or the external cluster) between the tests of a class or collection.</summary>
public sealed class KafkaFixture : IDisposable
{
    /// <summary>Starts the cluster.</summary>
    public KafkaFixture() => Cluster = KafkaMockCluster.Start(brokers: 3);

    /// <summary>Gets the cluster.</summary>
    public KafkaMockCluster Cluster { get; }

    /// <summary>Creates a topic with a unique name and returns the name.</summary>
    /// <param name="partitions">The number of partitions.</param>
    /// <param name="prefix">The start of the topic name.</param>
    /// <returns>The topic name.</returns>
    public string CreateTopic(int partitions = 1, string prefix = "test")
    {
        var name = $"{prefix}-{Guid.NewGuid():N}";
        Cluster.CreateTopic(name, partitions, Math.Min(3, Math.Max(1, Cluster.BrokerCount)));
        return name;
    }

    /// <inheritdoc />
    public void Dispose() => Cluster.Dispose();
}
