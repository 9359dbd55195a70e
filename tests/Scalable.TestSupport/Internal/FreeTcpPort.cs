using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Scalable.TestSupport.Internal;

internal static class FreeTcpPort
{
    private const int LowestPort = 10_000;

    // Ports handed out in this process, so two servers started at once never get the same one.
    private static readonly HashSet<int> Taken = [];

    // Servers get ports below the kernel's ephemeral range. An outgoing connection's local port comes from
    // that range, so a client reconnecting to a stopped server can neither hold the port the server must
    // restart on nor connect to itself on it (TCP self-connect), which a port from the range would allow.
    private static readonly int HighestPort = EphemeralRangeStart() - 1;

    public static int Next()
    {
        lock (Taken)
        {
            for (var attempt = 0; attempt < 1_000; attempt++)
            {
                var port = Random.Shared.Next(LowestPort, HighestPort + 1);
                if (!Taken.Contains(port) && IsFree(port))
                {
                    Taken.Add(port);
                    return port;
                }
            }

            throw new ServerUnavailableException($"No free TCP port between {LowestPort} and {HighestPort} on 127.0.0.1.");
        }
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            listener.Stop();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    // /proc/sys/net/ipv4/ip_local_port_range holds "low<TAB>high"; 32768 is Linux's default low end.
    private static int EphemeralRangeStart()
    {
        const int LinuxDefault = 32_768;
        try
        {
            var range = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            return range.Length > 0 && int.TryParse(range[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var low) && low > LowestPort + 1_000
                ? low
                : LinuxDefault;
        }
        catch (IOException)
        {
            return LinuxDefault;
        }
        catch (UnauthorizedAccessException)
        {
            return LinuxDefault;
        }
    }
}
