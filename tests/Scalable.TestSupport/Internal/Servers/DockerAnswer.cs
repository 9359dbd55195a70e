namespace Scalable.TestSupport.Internal.Servers;

// What the probe found at a Docker endpoint; Problem says why it is not an engine (null when it answered).
internal readonly record struct DockerAnswer(string Endpoint, string? Problem)
{
    public bool Answers => Problem is null;

    public static DockerAnswer Engine(string endpoint) => new(endpoint, null);

    public static DockerAnswer None(string endpoint, string problem) => new(endpoint, problem);
}
