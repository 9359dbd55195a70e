using Scalable.TestSupport.Internal.Servers;

namespace Scalable.TestSupport;

/// <summary>Where the test servers come from: given by environment variables, in containers where a Docker engine answers, or started here on loopback.</summary>
public static class TestServers
{
    // Chosen on first use and logged in one line, so a run says where its servers came from.
    private static readonly Lazy<ServerChoice> LazyChoice = new(() =>
    {
        var choice = ServerChoice.Choose(Read, () => DockerProbe.PingAsync(Read("DOCKER_HOST"), TimeSpan.FromSeconds(2)).GetAwaiter().GetResult());
        Console.Error.WriteLine(choice.Summary);
        return choice;
    });

    /// <summary>The variable that points the suite at an external Redis ("host:port").</summary>
    public const string RedisVariable = "SCALABLE_TEST_REDIS";

    /// <summary>The variable that points the suite at an external PostgreSQL (an Npgsql connection string of a user that may create databases).</summary>
    public const string PostgresVariable = "SCALABLE_TEST_POSTGRES";

    /// <summary>The variable that points the suite at an external Kafka cluster (bootstrap servers).</summary>
    public const string KafkaVariable = "SCALABLE_TEST_KAFKA";

    /// <summary>The variable that, set to "off", keeps the shared fixtures on local processes even where a Docker engine answers.</summary>
    public const string ContainersVariable = "SCALABLE_TEST_CONTAINERS";

    /// <summary>Gets whether the run is under CI (CI=true), where nothing is skipped.</summary>
    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>Gets the external Redis endpoint, or null to start one here.</summary>
    public static string? ExternalRedis => Read(RedisVariable);

    /// <summary>Gets the external PostgreSQL connection string, or null to start one here.</summary>
    public static string? ExternalPostgres => Read(PostgresVariable);

    /// <summary>Gets the external Kafka bootstrap servers, or null to start a mock cluster here.</summary>
    public static string? ExternalKafka => Read(KafkaVariable);

    /// <summary>Gets the folder under which local servers keep their data; build/test.sh cleans it after a run.</summary>
    public static string WorkRoot
    {
        get
        {
            var root = Read("SCALABLE_TEST_TMP") ?? Path.Combine(Path.GetTempPath(), "scalable-tests");
            Directory.CreateDirectory(root);
            return root;
        }
    }

    internal static ServerChoice Choice => LazyChoice.Value;

    private static string? Read(string name)
    {
        var value = Environment.GetEnvironmentVariable(name);
        return string.IsNullOrWhiteSpace(value) ? null : value.Trim();
    }
}
