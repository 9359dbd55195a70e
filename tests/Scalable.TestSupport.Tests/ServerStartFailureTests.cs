using System.Net;
using System.Net.Sockets;
using Scalable.TestSupport;

namespace Scalable.TestSupport.Tests;

public sealed class ServerStartFailureTests
{
    [Fact]
    public async Task A_redis_server_that_cannot_take_its_port_fails_the_start_with_a_message_that_quotes_its_log()
    {
        // Something else already listens on the port: it accepts connections but is not Redis.
        using var squatter = new TcpListener(IPAddress.Loopback, 0);
        squatter.Start();
        var port = ((IPEndPoint)squatter.LocalEndpoint).Port;

        var error = await Assert.ThrowsAsync<ServerUnavailableException>(() => RedisServer.StartLocalAsync(port));

        Assert.Contains($"redis-server on port {port} did not start", error.Message, StringComparison.Ordinal);
        Assert.Contains("Address already in use", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Local_servers_get_ports_below_the_ephemeral_range_so_clients_cannot_hold_them_while_they_are_down()
    {
        var low = int.Parse(File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split('\t', ' ')[0], System.Globalization.CultureInfo.InvariantCulture);
        await using var server = await RedisServer.StartLocalAsync();

        Assert.InRange(server.Port, 1024, low - 1);
    }
}
