using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Scalable.TestSupport.Internal.Servers;

// Asks the Docker endpoint of DOCKER_HOST (or the default socket) for /_ping, within a bound: a missing socket
// answers at once, and a socket that accepts but never replies cannot hold the test run longer than the timeout.
internal static class DockerProbe
{
    public const string DefaultEndpoint = "unix:///var/run/docker.sock";

    private const int DefaultTcpPort = 2375;

    public static async Task<DockerAnswer> PingAsync(string? dockerHost, TimeSpan timeout)
    {
        var endpoint = dockerHost ?? DefaultEndpoint;
        if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri))
        {
            return DockerAnswer.None(endpoint, "not a URI");
        }

        EndPoint target;
        switch (uri.Scheme)
        {
            case "unix":
                if (!File.Exists(uri.AbsolutePath))
                {
                    return DockerAnswer.None(endpoint, "no such socket");
                }

                target = new UnixDomainSocketEndPoint(uri.AbsolutePath);
                break;
            case "tcp" or "http":
                target = new DnsEndPoint(uri.Host, uri.Port < 0 ? DefaultTcpPort : uri.Port);
                break;
            default:
                // TLS (DOCKER_TLS_VERIFY), ssh:// and npipe:// need more than a plain socket; such users set the
                // SCALABLE_TEST_* variables or run the local servers.
                return DockerAnswer.None(endpoint, $"{uri.Scheme}:// endpoints are not probed");
        }

        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            using var socket = target is UnixDomainSocketEndPoint
                ? new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified)
                : new Socket(SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync(target, deadline.Token).ConfigureAwait(false);
            await socket.SendAsync(Encoding.ASCII.GetBytes($"GET /_ping HTTP/1.0\r\nHost: {(uri.IsLoopback || uri.Scheme == "unix" ? "localhost" : uri.Host)}\r\n\r\n"), deadline.Token).ConfigureAwait(false);
            var status = await ReadStatusLineAsync(socket, deadline.Token).ConfigureAwait(false);
            return status.StartsWith("HTTP/1.", StringComparison.Ordinal) && status.Contains(" 200", StringComparison.Ordinal)
                ? DockerAnswer.Engine(endpoint)
                : DockerAnswer.None(endpoint, $"answered \"{status}\", not a Docker engine");
        }
        catch (OperationCanceledException)
        {
            return DockerAnswer.None(endpoint, $"no answer within {timeout.TotalSeconds:0.#} s");
        }
        catch (Exception error) when (error is SocketException or IOException)
        {
            return DockerAnswer.None(endpoint, error.Message);
        }
    }

    private static async Task<string> ReadStatusLineAsync(Socket socket, CancellationToken cancellationToken)
    {
        var buffer = new byte[256];
        var length = 0;
        while (length < buffer.Length)
        {
            var read = await socket.ReceiveAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }

            length += read;
            var end = Array.IndexOf(buffer, (byte)'\r', 0, length);
            if (end >= 0)
            {
                return Encoding.ASCII.GetString(buffer, 0, end);
            }
        }

        return Encoding.ASCII.GetString(buffer, 0, length);
    }
}
