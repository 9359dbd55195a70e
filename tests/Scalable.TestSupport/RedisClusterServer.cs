using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Scalable.TestSupport.Internal;
using StackExchange.Redis;

namespace Scalable.TestSupport;

/// <summary>A real Redis Cluster of three masters on loopback (redis-server --cluster-enabled, joined by redis-cli --cluster create), owned by the test.</summary>
public sealed class RedisClusterServer : IAsyncDisposable
{
    private const int Masters = 3;
    private readonly List<(Process Process, string Folder)> _nodes = [];

    private RedisClusterServer()
    {
    }

    /// <summary>Gets the TCP ports of the masters.</summary>
    public IReadOnlyList<int> Ports { get; private set; } = [];

    /// <summary>Gets a StackExchange.Redis configuration string naming every master; the client discovers the slots.</summary>
    public string ConnectionString => string.Join(",", Ports.Select(p => $"127.0.0.1:{p}")) + ",abortConnect=false,connectTimeout=5000,syncTimeout=5000";

    /// <summary>Starts three masters and joins them into one cluster covering all 16384 slots.</summary>
    /// <returns>The running cluster.</returns>
    /// <exception cref="ServerUnavailableException">redis-server or redis-cli is not installed, or the cluster does not form.</exception>
    public static async Task<RedisClusterServer> StartAsync()
    {
        var cluster = new RedisClusterServer();
        try
        {
            await cluster.StartNodesAsync().ConfigureAwait(false);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Opens a new connection to the cluster (each call is a separate multiplexer, like a separate instance).</summary>
    /// <returns>The connection.</returns>
    public ConnectionMultiplexer Connect() => ConnectionMultiplexer.Connect(ConnectionString);

    /// <summary>Gets the port of the master that owns the slot of a key.</summary>
    /// <param name="connection">A connection to this cluster.</param>
    /// <param name="key">The key.</param>
    /// <returns>The master's port.</returns>
    public static int MasterOf(IConnectionMultiplexer connection, RedisKey key)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var endpoint = connection.GetDatabase().IdentifyEndpoint(key) ?? throw new InvalidOperationException($"No master owns {key}.");
        return ((IPEndPoint)endpoint).Port;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        foreach (var (process, folder) in _nodes)
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync().ConfigureAwait(false);
            }

            process.Dispose();
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private async Task StartNodesAsync()
    {
        var server = ProcessRunner.Find("redis-server", "/usr/bin", "/usr/local/bin")
            ?? throw new ServerUnavailableException("redis-server is not installed. Run build/setup.sh (it installs the Debian package redis-server).");
        var cli = ProcessRunner.Find("redis-cli", "/usr/bin", "/usr/local/bin") ?? throw new ServerUnavailableException("redis-cli is not installed. Run build/setup.sh.");
        Ports = Enumerable.Range(0, Masters).Select(_ => PortWithFreeBusPort()).ToArray();
        foreach (var port in Ports)
        {
            // "redis-" so build/stop-test-servers.sh kills a node that a crashed test host left behind.
            var folder = Path.Combine(TestServers.WorkRoot, $"redis-cluster-{Guid.NewGuid():N}");
            Directory.CreateDirectory(folder);
            var info = new ProcessStartInfo(server) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var argument in new[]
            {
                "--port", Text(port), "--bind", "127.0.0.1", "--cluster-enabled", "yes", "--cluster-config-file", Path.Combine(folder, "nodes.conf"),
                "--cluster-node-timeout", "5000", "--save", string.Empty, "--appendonly", "no", "--daemonize", "no", "--protected-mode", "no",
                "--dir", folder, "--logfile", Path.Combine(folder, "redis.log"),
            })
            {
                info.ArgumentList.Add(argument);
            }

            var process = Process.Start(info) ?? throw new ServerUnavailableException($"Could not start {server}.");
            await File.WriteAllTextAsync(Path.Combine(folder, "owner.pid"), Text(process.Id)).ConfigureAwait(false);
            _nodes.Add((process, folder));
        }

        foreach (var port in Ports)
        {
            await WaitAsync(async () => (await CliAsync(cli, "-p", Text(port), "PING").ConfigureAwait(false)).Contains("PONG", StringComparison.Ordinal), $"node {port} to answer PING").ConfigureAwait(false);
        }

        await ProcessRunner.RunAsync(cli, ["--cluster", "create", .. Ports.Select(p => $"127.0.0.1:{p}"), "--cluster-replicas", "0", "--cluster-yes"]).ConfigureAwait(false);
        foreach (var port in Ports)
        {
            await WaitAsync(
                async () => (await CliAsync(cli, "-p", Text(port), "CLUSTER", "INFO").ConfigureAwait(false)).Contains("cluster_state:ok", StringComparison.Ordinal),
                $"node {port} to see the whole cluster").ConfigureAwait(false);
        }
    }

    private static async Task<string> CliAsync(string cli, params string[] arguments)
    {
        try
        {
            return await ProcessRunner.RunAsync(cli, arguments, timeout: TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        }
        catch (InvalidOperationException error)
        {
            return error.Message;
        }
    }

    private static async Task WaitAsync(Func<Task<bool>> condition, string what)
    {
        var started = Stopwatch.StartNew();
        while (!await condition().ConfigureAwait(false))
        {
            if (started.Elapsed > TimeSpan.FromSeconds(60))
            {
                throw new ServerUnavailableException($"Timed out waiting for {what}.");
            }

            await Task.Delay(100).ConfigureAwait(false);
        }
    }

    // A cluster node also listens on its port + 10000 (the cluster bus), so that one must be free too.
    private static int PortWithFreeBusPort()
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var port = FreeTcpPort.Next();
            try
            {
                using var bus = new TcpListener(IPAddress.Loopback, port + 10000);
                bus.Start();
                bus.Stop();
                return port;
            }
            catch (SocketException)
            {
            }
        }

        throw new ServerUnavailableException("No free pair of ports (node and cluster bus) on 127.0.0.1.");
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}
