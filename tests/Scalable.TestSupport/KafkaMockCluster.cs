using System.Runtime.InteropServices;
using System.Text;
using Confluent.Kafka;
using Scalable.TestSupport.Internal;
using Scalable.TestSupport.Internal.Servers;

namespace Scalable.TestSupport;

/// <summary>A Kafka-protocol cluster for tests: the external cluster named by SCALABLE_TEST_KAFKA, a Kafka container where a Docker engine answers, or librdkafka's mock cluster on loopback ports (any Kafka client can use it).</summary>
public sealed class KafkaMockCluster : IDisposable
{
    private readonly object _gate = new();
    private IntPtr _handle;
    private IntPtr _cluster;
    private IAsyncDisposable? _container;

    private KafkaMockCluster(string bootstrapServers, IntPtr handle, IntPtr cluster, int brokerCount, IAsyncDisposable? container = null)
    {
        BootstrapServers = bootstrapServers;
        _handle = handle;
        _cluster = cluster;
        BrokerCount = brokerCount;
        _container = container;
    }

    /// <summary>Gets the bootstrap servers string for Kafka clients.</summary>
    public string BootstrapServers { get; }

    /// <summary>Gets the number of brokers (broker ids are 1 to this number).</summary>
    public int BrokerCount { get; }

    /// <summary>Gets whether this is a local mock cluster whose faults the test controls.</summary>
    public bool IsLocal => _cluster != IntPtr.Zero;

    /// <summary>Uses the external cluster from SCALABLE_TEST_KAFKA if set, else a one-broker container where a Docker engine answers, else starts a local mock cluster.</summary>
    /// <param name="brokers">How many brokers a local mock cluster has.</param>
    /// <returns>The cluster.</returns>
    public static KafkaMockCluster Start(int brokers = 3)
    {
        var choice = TestServers.Choice;
        switch (choice.Kafka)
        {
            case ServerSource.External:
                return new KafkaMockCluster(TestServers.ExternalKafka!, IntPtr.Zero, IntPtr.Zero, 0);
            case ServerSource.Container:
                // The fixtures that call this are constructed synchronously by xunit; the start awaits nothing that needs this thread.
                var container = ServerContainers.StartKafkaAsync(choice.DockerEndpoint!).GetAwaiter().GetResult();
                return new KafkaMockCluster(ServerContainers.BootstrapServers(container), IntPtr.Zero, IntPtr.Zero, 0, container);
            default:
                return StartLocal(brokers);
        }
    }

    /// <summary>Starts a local mock cluster that the test owns, for tests that inject faults.</summary>
    /// <param name="brokers">How many brokers (1 to 10).</param>
    /// <returns>The cluster.</returns>
    /// <exception cref="ServerUnavailableException">The native librdkafka cannot be loaded or the cluster does not start.</exception>
    public static KafkaMockCluster StartLocal(int brokers = 3)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(brokers, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(brokers, 10);
        IntPtr handle;
        var error = new byte[512];
        try
        {
            // Confluent.Kafka resolves the native library first, so the P/Invokes below bind to the same librdkafka.
            _ = Library.Version;
            var conf = LibRdKafkaMock.ConfNew();
            LibRdKafkaMock.ConfSet(conf, "log_level", "3", error, (UIntPtr)error.Length);
            handle = LibRdKafkaMock.New(LibRdKafkaMock.ProducerType, conf, error, (UIntPtr)error.Length);
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException or TypeInitializationException)
        {
            throw new ServerUnavailableException(
                $"librdkafka could not be loaded ({ex.Message}). It comes with Confluent.Kafka's librdkafka.redist package (runtimes/<rid>/native next to the test assembly); restore and build again, or set {TestServers.KafkaVariable} to bootstrap servers.", ex);
        }

        if (handle == IntPtr.Zero)
        {
            throw new ServerUnavailableException($"rd_kafka_new failed: {Encoding.UTF8.GetString(error).TrimEnd('\0')}");
        }

        var cluster = LibRdKafkaMock.ClusterNew(handle, brokers);
        if (cluster == IntPtr.Zero)
        {
            LibRdKafkaMock.Destroy(handle);
            throw new ServerUnavailableException("rd_kafka_mock_cluster_new failed: this librdkafka was built without the mock cluster.");
        }

        var bootstraps = Marshal.PtrToStringUTF8(LibRdKafkaMock.ClusterBootstraps(cluster))!;
        return new KafkaMockCluster(bootstraps, handle, cluster, brokers);
    }

    /// <summary>Creates a topic with the given number of partitions (on an external cluster, through the admin API).</summary>
    /// <param name="topic">The topic name.</param>
    /// <param name="partitions">The number of partitions.</param>
    /// <param name="replicationFactor">The replication factor (at most the broker count).</param>
    public void CreateTopic(string topic, int partitions = 1, int replicationFactor = 1)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        if (!IsLocal)
        {
            using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = BootstrapServers }).Build();
            admin.CreateTopicsAsync([new Confluent.Kafka.Admin.TopicSpecification { Name = topic, NumPartitions = partitions, ReplicationFactor = (short)replicationFactor }])
                .GetAwaiter().GetResult();
            return;
        }

        Check(LibRdKafkaMock.TopicCreate(Cluster, topic, partitions, replicationFactor), $"create topic {topic}");
    }

    /// <summary>Takes a broker down: its connections close and new ones are refused until <see cref="SetBrokerUp"/>.</summary>
    /// <param name="brokerId">The broker id (1-based).</param>
    public void SetBrokerDown(int brokerId) => Check(LibRdKafkaMock.BrokerSetDown(Cluster, brokerId), $"set broker {brokerId} down");

    /// <summary>Brings a broker back up.</summary>
    /// <param name="brokerId">The broker id (1-based).</param>
    public void SetBrokerUp(int brokerId) => Check(LibRdKafkaMock.BrokerSetUp(Cluster, brokerId), $"set broker {brokerId} up");

    /// <summary>Takes every broker down.</summary>
    public void SetAllBrokersDown()
    {
        _ = Cluster; // an external cluster has no brokers to loop over: fail instead of silently doing nothing
        for (var id = 1; id <= BrokerCount; id++)
        {
            SetBrokerDown(id);
        }
    }

    /// <summary>Brings every broker back up.</summary>
    public void SetAllBrokersUp()
    {
        _ = Cluster;
        for (var id = 1; id <= BrokerCount; id++)
        {
            SetBrokerUp(id);
        }
    }

    /// <summary>Delays every response of a broker by a round-trip time.</summary>
    /// <param name="brokerId">The broker id (1-based).</param>
    /// <param name="roundTrip">The added delay; zero removes it.</param>
    public void SetBrokerRoundTrip(int brokerId, TimeSpan roundTrip)
        => Check(LibRdKafkaMock.BrokerSetRtt(Cluster, brokerId, (int)roundTrip.TotalMilliseconds), $"set broker {brokerId} rtt");

    /// <summary>Moves the leadership of a partition to a broker.</summary>
    /// <param name="topic">The topic.</param>
    /// <param name="partition">The partition.</param>
    /// <param name="brokerId">The new leader (1-based), or -1 for no leader.</param>
    public void SetPartitionLeader(string topic, int partition, int brokerId)
        => Check(LibRdKafkaMock.PartitionSetLeader(Cluster, topic, partition, brokerId), $"set leader of {topic}/{partition}");

    /// <summary>Makes the next requests of a type fail with the given errors, one error per request, in order.</summary>
    /// <param name="apiKey">The request type.</param>
    /// <param name="errors">The errors to return.</param>
    public void PushRequestErrors(KafkaApiKey apiKey, params ErrorCode[] errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        LibRdKafkaMock.PushRequestErrorsArray(Cluster, (short)apiKey, (UIntPtr)errors.Length, errors.Select(e => (int)e).ToArray());
    }

    /// <summary>Drops the errors pushed for a request type that have not been returned yet.</summary>
    /// <param name="apiKey">The request type.</param>
    public void ClearRequestErrors(KafkaApiKey apiKey) => LibRdKafkaMock.ClearRequestErrors(Cluster, (short)apiKey);

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_gate)
        {
            if (_cluster != IntPtr.Zero)
            {
                LibRdKafkaMock.ClusterDestroy(_cluster);
                _cluster = IntPtr.Zero;
            }

            if (_handle != IntPtr.Zero)
            {
                LibRdKafkaMock.Destroy(_handle);
                _handle = IntPtr.Zero;
            }

            _container?.DisposeAsync().AsTask().GetAwaiter().GetResult();
            _container = null;
        }
    }

    private IntPtr Cluster
    {
        get
        {
            ObjectDisposedException.ThrowIf(_handle == IntPtr.Zero && BrokerCount > 0, this);
            return _cluster != IntPtr.Zero
                ? _cluster
                : throw new InvalidOperationException($"The Kafka cluster is not a local mock cluster ({TestServers.KafkaVariable} or a container); use KafkaMockCluster.StartLocal() for tests that inject faults.");
        }
    }

    private static void Check(int error, string what)
    {
        if (error != 0)
        {
            throw new InvalidOperationException($"Mock cluster could not {what}: {LibRdKafkaMock.Describe(error)}.");
        }
    }
}
