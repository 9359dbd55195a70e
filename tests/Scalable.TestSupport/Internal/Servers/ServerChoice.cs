namespace Scalable.TestSupport.Internal.Servers;

// Which source each shared fixture uses, chosen once per process: a SCALABLE_TEST_* variable wins for its server;
// the others run in containers when a Docker engine answers (unless SCALABLE_TEST_CONTAINERS=off), else as local
// processes. Outage tests never ask: they always start local processes they can kill.
// DockerEndpoint is the endpoint that answered, handed to the container builders so they use the engine the probe
// saw; Summary is the one line the process logs, such as "[Scalable.TestSupport] servers: local processes (...)".
internal sealed record ServerChoice(ServerSource Redis, ServerSource Postgres, ServerSource Kafka, string? DockerEndpoint, string Summary)
{
    // variable returns a SCALABLE_TEST_* value, or null when unset or blank; probeDocker runs only when needed.
    public static ServerChoice Choose(Func<string, string?> variable, Func<DockerAnswer> probeDocker)
    {
        ArgumentNullException.ThrowIfNull(variable);
        ArgumentNullException.ThrowIfNull(probeDocker);
        var servers = new (string Name, string Variable)[]
        {
            ("Redis", TestServers.RedisVariable),
            ("PostgreSQL", TestServers.PostgresVariable),
            ("Kafka", TestServers.KafkaVariable),
        };
        var external = servers.Where(s => variable(s.Variable) is not null).ToList();
        var rest = servers.Except(external).Select(s => s.Name).ToList();

        var fallback = ServerSource.Local;
        string? endpoint = null;
        var how = "local processes";
        if (rest.Count > 0)
        {
            if (string.Equals(variable(TestServers.ContainersVariable), "off", StringComparison.OrdinalIgnoreCase))
            {
                how = $"local processes ({TestServers.ContainersVariable}=off)";
            }
            else if (probeDocker() is var docker && docker.Answers)
            {
                fallback = ServerSource.Container;
                endpoint = docker.Endpoint;
                how = $"Testcontainers (Docker engine at {docker.Endpoint})";
            }
            else
            {
                how = $"local processes (no Docker engine answered at {docker.Endpoint}: {docker.Problem})";
            }
        }

        var parts = external.Select(s => $"{s.Name} from {s.Variable}").ToList();
        if (rest.Count > 0)
        {
            parts.Add(external.Count == 0 ? how : $"{string.Join(", ", rest)}: {how}");
        }

        ServerSource SourceOf(int index) => external.Contains(servers[index]) ? ServerSource.External : fallback;
        return new ServerChoice(SourceOf(0), SourceOf(1), SourceOf(2), endpoint, "[Scalable.TestSupport] servers: " + string.Join("; ", parts));
    }
}
