using DotNet.Testcontainers.Containers;
using Testcontainers.Kafka;
using Testcontainers.PostgreSql;
using Testcontainers.Redis;

namespace Scalable.TestSupport.Internal.Servers;

// The shared fixtures' servers as Testcontainers containers, on the engine that answered the probe. The same major
// versions as the local servers (Redis 7, PostgreSQL 15) so a suite means the same on both. No Docker engine runs on
// the project's machines, so this path is not exercised there (docs/testing.md).
internal static class ServerContainers
{
    public const string RedisImage = "redis:7.0";
    public const string PostgresImage = "postgres:15";
    public const string KafkaImage = "confluentinc/cp-kafka:7.5.12";

    public static Task<RedisContainer> StartRedisAsync(string dockerEndpoint)
        => StartAsync(new RedisBuilder(RedisImage).WithDockerEndpoint(dockerEndpoint).Build(), RedisImage);

    // The same user, database and connection limit as the local server, which some suites open many connections to.
    public static Task<PostgreSqlContainer> StartPostgresAsync(string dockerEndpoint)
        => StartAsync(
            new PostgreSqlBuilder(PostgresImage)
                .WithDockerEndpoint(dockerEndpoint)
                .WithUsername("postgres")
                .WithPassword("postgres")
                .WithDatabase("postgres")
                .WithCommand("-c", "max_connections=400")
                .Build(),
            PostgresImage);

    public static Task<KafkaContainer> StartKafkaAsync(string dockerEndpoint)
        => StartAsync(new KafkaBuilder(KafkaImage).WithDockerEndpoint(dockerEndpoint).Build(), KafkaImage);

    // "PLAINTEXT://host:port/" as Testcontainers gives it, to the "host:port" the mock cluster and SCALABLE_TEST_KAFKA give.
    public static string BootstrapServers(KafkaContainer container)
    {
        ArgumentNullException.ThrowIfNull(container);
        var address = new Uri(container.GetBootstrapAddress());
        return $"{address.Host}:{address.Port}";
    }

    private static async Task<T> StartAsync<T>(T container, string image)
        where T : IContainer
    {
        try
        {
            await container.StartAsync().ConfigureAwait(false);
            return container;
        }
        catch (Exception error)
        {
            await container.DisposeAsync().ConfigureAwait(false);
            throw new ServerUnavailableException(
                $"Testcontainers could not start {image}: {error.Message} Set {TestServers.ContainersVariable}=off to use local processes instead.", error);
        }
    }
}
