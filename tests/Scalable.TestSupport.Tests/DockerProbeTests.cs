using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Scalable.TestSupport.Internal.Servers;

namespace Scalable.TestSupport.Tests;

public sealed class DockerProbeTests
{
    // Generous against a noisy 2-core machine; what matters is that the probe never waits on a silent socket unbounded.
    private static readonly TimeSpan Slack = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task On_this_machine_the_real_probe_answers_no_engine_at_once()
    {
        // These machines have a docker client but no engine (docs/testing.md), so CI runs the local servers.
        var clock = Stopwatch.StartNew();

        var answer = await DockerProbe.PingAsync(Environment.GetEnvironmentVariable("DOCKER_HOST") is { Length: > 0 } host ? host : null, TimeSpan.FromSeconds(2));

        Assert.False(answer.Answers, $"a Docker engine answered at {answer.Endpoint}; this test documents the machines without one");
        Assert.InRange(clock.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(2) + Slack);
    }

    [Fact]
    public async Task A_missing_unix_socket_is_no_engine()
    {
        var answer = await DockerProbe.PingAsync($"unix://{Path.Combine(Path.GetTempPath(), $"no-docker-{Guid.NewGuid():N}.sock")}", TimeSpan.FromSeconds(2));

        Assert.False(answer.Answers);
        Assert.Equal("no such socket", answer.Problem);
    }

    [Fact]
    public async Task A_socket_that_accepts_but_never_answers_is_no_engine_once_the_bound_passes()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var clock = Stopwatch.StartNew();

        var answer = await DockerProbe.PingAsync($"tcp://127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}", TimeSpan.FromMilliseconds(300));

        Assert.False(answer.Answers);
        Assert.Equal("no answer within 0.3 s", answer.Problem);
        Assert.InRange(clock.Elapsed, TimeSpan.Zero, Slack);
    }

    [Fact]
    public async Task A_server_that_is_not_Docker_is_no_engine()
    {
        using var other = new TcpListener(IPAddress.Loopback, 0);
        other.Start();
        var server = AnswerOnceAsync(other, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");

        var answer = await DockerProbe.PingAsync($"tcp://127.0.0.1:{((IPEndPoint)other.LocalEndpoint).Port}", TimeSpan.FromSeconds(5));

        Assert.Equal("answered \"HTTP/1.1 404 Not Found\", not a Docker engine", answer.Problem);
        Assert.Equal("GET /_ping HTTP/1.0", (await server).Split("\r\n")[0]);
    }

    [Fact]
    public async Task An_engine_that_answers_the_ping_over_tcp_is_found()
    {
        using var engine = new TcpListener(IPAddress.Loopback, 0);
        engine.Start();
        var endpoint = $"tcp://127.0.0.1:{((IPEndPoint)engine.LocalEndpoint).Port}";
        var server = AnswerOnceAsync(engine, "HTTP/1.1 200 OK\r\nApi-Version: 1.47\r\nContent-Length: 2\r\n\r\nOK");

        var answer = await DockerProbe.PingAsync(endpoint, TimeSpan.FromSeconds(5));

        Assert.Equal(DockerAnswer.Engine(endpoint), answer);
        Assert.Equal("GET /_ping HTTP/1.0", (await server).Split("\r\n")[0]);
    }

    [Fact]
    public async Task An_engine_that_answers_the_ping_on_a_unix_socket_is_found()
    {
        var path = Path.Combine(Path.GetTempPath(), $"fake-docker-{Guid.NewGuid():N}.sock");
        try
        {
            using var engine = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            engine.Bind(new UnixDomainSocketEndPoint(path));
            engine.Listen();
            var server = AnswerOnceAsync(engine, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK");

            var answer = await DockerProbe.PingAsync($"unix://{path}", TimeSpan.FromSeconds(5));

            Assert.True(answer.Answers, answer.Problem);
            await server;
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static async Task<string> AnswerOnceAsync(TcpListener listener, string response)
    {
        using var client = await listener.AcceptSocketAsync();
        return await AnswerAsync(client, response);
    }

    private static async Task<string> AnswerOnceAsync(Socket listener, string response)
    {
        using var client = await listener.AcceptAsync();
        return await AnswerAsync(client, response);
    }

    // Reads the request up to its blank line, sends the response and closes, as an HTTP/1.0 server does.
    private static async Task<string> AnswerAsync(Socket client, string response)
    {
        var request = new StringBuilder();
        var buffer = new byte[1024];
        while (!request.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
        {
            var read = await client.ReceiveAsync(buffer);
            if (read == 0)
            {
                break;
            }

            request.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }

        await client.SendAsync(Encoding.ASCII.GetBytes(response));
        client.Shutdown(SocketShutdown.Both);
        return request.ToString();
    }
}
