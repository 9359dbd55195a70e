using System.Net;
using System.Net.Sockets;
using System.Text;
using Scalable.TestSupport.Internal.Servers;

namespace Scalable.TestSupport.Tests;

public sealed class ServerContainersTests
{
    [Fact]
    public async Task An_engine_that_answers_the_ping_but_cannot_run_containers_fails_the_start_with_the_way_back_to_local_processes()
    {
        // A fake engine: every request gets a server error, as from an engine that is up but broken.
        using var engine = new TcpListener(IPAddress.Loopback, 0);
        engine.Start();
        using var stop = new CancellationTokenSource();
        var requests = new List<string>();
        var server = ServeAsync(engine, requests, stop.Token);
        try
        {
            var start = ServerContainers.StartRedisAsync($"tcp://127.0.0.1:{((IPEndPoint)engine.LocalEndpoint).Port}");

            var error = await Assert.ThrowsAsync<ServerUnavailableException>(() => start.WaitAsync(TimeSpan.FromSeconds(60)));

            Assert.Contains("Testcontainers could not start redis:7.0", error.Message, StringComparison.Ordinal);
            Assert.Contains("SCALABLE_TEST_CONTAINERS=off", error.Message, StringComparison.Ordinal);
            Assert.NotEmpty(requests);
        }
        finally
        {
            await stop.CancelAsync();
            engine.Stop();
            await server;
        }
    }

    private static async Task ServeAsync(TcpListener listener, List<string> requests, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                using var client = await listener.AcceptSocketAsync(cancellationToken);
                var buffer = new byte[8192];
                var read = await client.ReceiveAsync(buffer, cancellationToken);
                lock (requests)
                {
                    requests.Add(Encoding.ASCII.GetString(buffer, 0, read).Split("\r\n")[0]);
                }

                var body = "{\"message\":\"broken\"}";
                await client.SendAsync(Encoding.ASCII.GetBytes($"HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n{body}"), cancellationToken);
                client.Shutdown(SocketShutdown.Both);
            }
        }
        catch (Exception error) when (error is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }
}
