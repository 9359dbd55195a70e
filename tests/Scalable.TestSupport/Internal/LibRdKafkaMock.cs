using System.Runtime.InteropServices;

namespace Scalable.TestSupport.Internal;

// The mock-cluster part of librdkafka's C API (rdkafka_mock.h), from the same native library Confluent.Kafka loads.
internal static partial class LibRdKafkaMock
{
    private const string Library = "librdkafka";

    // librdkafka.redist ships several Linux builds under runtimes/<rid>/native: the default librdkafka.so links
    // libsasl2.so.3 (absent on Debian), so Confluent.Kafka falls back to the others; resolve ours the same way.
    static LibRdKafkaMock() => NativeLibrary.SetDllImportResolver(typeof(LibRdKafkaMock).Assembly, Resolve);

    private static IntPtr Resolve(string name, System.Reflection.Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (name != Library)
        {
            return IntPtr.Zero;
        }

        var native = Path.Combine(AppContext.BaseDirectory, "runtimes", RuntimeInformation.RuntimeIdentifier, "native");
        foreach (var file in new[] { "librdkafka.so", "centos8-librdkafka.so", "alpine-librdkafka.so", "librdkafka.dylib", "librdkafka.dll" })
        {
            if (NativeLibrary.TryLoad(Path.Combine(native, file), out var handle))
            {
                return handle;
            }
        }

        return IntPtr.Zero;
    }

    public const int ProducerType = 0;

    [LibraryImport(Library, EntryPoint = "rd_kafka_conf_new")]
    public static partial IntPtr ConfNew();

    [LibraryImport(Library, EntryPoint = "rd_kafka_conf_set", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int ConfSet(IntPtr conf, string name, string value, byte[] errstr, UIntPtr errstrSize);

    [LibraryImport(Library, EntryPoint = "rd_kafka_new")]
    public static partial IntPtr New(int type, IntPtr conf, byte[] errstr, UIntPtr errstrSize);

    [LibraryImport(Library, EntryPoint = "rd_kafka_destroy")]
    public static partial void Destroy(IntPtr rk);

    [LibraryImport(Library, EntryPoint = "rd_kafka_mock_cluster_new")]
    public static partial IntPtr ClusterNew(IntPtr rk, int brokerCount);

    [LibraryImport(Library, EntryPoint = "rd_kafka_mock_cluster_destroy")]
    public static partial void ClusterDestroy(IntPtr cluster);

    [LibraryImport(Library, EntryPoint = "rd_kafka_mock_cluster_bootstraps")]
    public static partial IntPtr ClusterBootstraps(IntPtr cluster);

    [LibraryImport(Library, EntryPoint = "rd_kafka_mock_topic_create", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int TopicCreate(IntPtr cluster, string topic, int partitionCount, int replicationFactor);

    [LibraryImport(Library, EntryPoint = "rd_kafka_mock_broker_set_down")]
    public static partial int BrokerSetDown(IntPtr cluster, int brokerId);

    [LibraryImport(Library, EntryPoint = "rd_kafka_mock_broker_set_up")]
    public static partial int BrokerSetUp(IntPtr cluster, int brokerId);

    [LibraryImport(Library, EntryPoint = "rd_kafka_mock_broker_set_rtt")]
    public static partial int BrokerSetRtt(IntPtr cluster, int brokerId, int rttMs);

    [LibraryImport(Library, EntryPoint = "rd_kafka_mock_partition_set_leader", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int PartitionSetLeader(IntPtr cluster, string topic, int partition, int brokerId);

    [LibraryImport(Library, EntryPoint = "rd_kafka_mock_push_request_errors_array")]
    public static partial void PushRequestErrorsArray(IntPtr cluster, short apiKey, UIntPtr count, int[] errors);

    [LibraryImport(Library, EntryPoint = "rd_kafka_mock_clear_request_errors")]
    public static partial void ClearRequestErrors(IntPtr cluster, short apiKey);

    [LibraryImport(Library, EntryPoint = "rd_kafka_err2str")]
    public static partial IntPtr ErrorToString(int error);

    public static string Describe(int error) => Marshal.PtrToStringUTF8(ErrorToString(error)) ?? error.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
