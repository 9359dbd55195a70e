using Scalable.TestSupport.Internal.Servers;

namespace Scalable.TestSupport.Tests;

public sealed class ServerChoiceTests
{
    private const string Socket = DockerProbe.DefaultEndpoint;
    private static readonly DockerAnswer Engine = DockerAnswer.Engine("tcp://127.0.0.1:2375");
    private static readonly DockerAnswer NoEngine = DockerAnswer.None(Socket, "no such socket");

    private int _probes;

    [Fact]
    public void Without_variables_or_a_Docker_engine_every_server_is_a_local_process_and_the_line_says_why()
    {
        var choice = Choose([], NoEngine);

        Assert.Equal((ServerSource.Local, ServerSource.Local, ServerSource.Local), (choice.Redis, choice.Postgres, choice.Kafka));
        Assert.Null(choice.DockerEndpoint);
        Assert.Equal("[Scalable.TestSupport] servers: local processes (no Docker engine answered at unix:///var/run/docker.sock: no such socket)", choice.Summary);
        Assert.Equal(1, _probes);
    }

    [Fact]
    public void A_Docker_engine_that_answers_runs_every_server_in_a_container_on_that_engine()
    {
        var choice = Choose([], Engine);

        Assert.Equal((ServerSource.Container, ServerSource.Container, ServerSource.Container), (choice.Redis, choice.Postgres, choice.Kafka));
        Assert.Equal("tcp://127.0.0.1:2375", choice.DockerEndpoint);
        Assert.Equal("[Scalable.TestSupport] servers: Testcontainers (Docker engine at tcp://127.0.0.1:2375)", choice.Summary);
    }

    [Fact]
    public void A_variable_wins_over_Docker_for_its_own_server_only()
    {
        var choice = Choose(new() { [TestServers.PostgresVariable] = "Host=db;Username=u" }, Engine);

        Assert.Equal((ServerSource.Container, ServerSource.External, ServerSource.Container), (choice.Redis, choice.Postgres, choice.Kafka));
        Assert.Equal("[Scalable.TestSupport] servers: PostgreSQL from SCALABLE_TEST_POSTGRES; Redis, Kafka: Testcontainers (Docker engine at tcp://127.0.0.1:2375)", choice.Summary);
    }

    [Fact]
    public void With_every_variable_set_Docker_is_never_asked()
    {
        var choice = Choose(
            new() { [TestServers.RedisVariable] = "r:6379", [TestServers.PostgresVariable] = "Host=p", [TestServers.KafkaVariable] = "k:9092" },
            Engine);

        Assert.Equal((ServerSource.External, ServerSource.External, ServerSource.External), (choice.Redis, choice.Postgres, choice.Kafka));
        Assert.Equal("[Scalable.TestSupport] servers: Redis from SCALABLE_TEST_REDIS; PostgreSQL from SCALABLE_TEST_POSTGRES; Kafka from SCALABLE_TEST_KAFKA", choice.Summary);
        Assert.Equal(0, _probes);
    }

    [Theory]
    [InlineData("off")]
    [InlineData("OFF")]
    public void Containers_off_keeps_local_processes_where_Docker_answers_without_asking_it(string value)
    {
        var choice = Choose(new() { [TestServers.ContainersVariable] = value, [TestServers.KafkaVariable] = "k:9092" }, Engine);

        Assert.Equal((ServerSource.Local, ServerSource.Local, ServerSource.External), (choice.Redis, choice.Postgres, choice.Kafka));
        Assert.Equal("[Scalable.TestSupport] servers: Kafka from SCALABLE_TEST_KAFKA; Redis, PostgreSQL: local processes (SCALABLE_TEST_CONTAINERS=off)", choice.Summary);
        Assert.Equal(0, _probes);
    }

    [Fact]
    public void Any_other_value_of_the_containers_variable_leaves_the_choice_to_Docker()
    {
        var choice = Choose(new() { [TestServers.ContainersVariable] = "on" }, Engine);

        Assert.Equal(ServerSource.Container, choice.Redis);
    }

    private ServerChoice Choose(Dictionary<string, string> variables, DockerAnswer docker)
        => ServerChoice.Choose(
            name => variables.GetValueOrDefault(name),
            () =>
            {
                _probes++;
                return docker;
            });
}
