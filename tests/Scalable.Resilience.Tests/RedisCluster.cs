using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Scalable.TestSupport;
using StackExchange.Redis;

namespace Scalable.Resilience.Tests;

// A real three-master Redis Cluster on loopback (redis-server --cluster-enabled + redis-cli --cluster create), shared by a
// test class. Node folders sit under the test work root with an owner.pid, so build/stop-test-servers.sh cleans up too.
public sealed class RedisCluster : IAsyncLifetime
{
    private readonly List<(Process Process, string Folder)> _nodes = [];

    public IReadOnlyList<int> Ports { get; private set; } = [];

    public string ConnectionString => string.Join(",", Ports.Select(p => $"127.0.0.1:{p}")) + ",abortConnect=false,connectTimeout=5000,syncTimeout=5000";

    public ConnectionMultiplexer Connect() => ConnectionMultiplexer.Connect(ConnectionString);

    public async Task InitializeAsync()
    {
        Ports = Enumerable.Range(0, 3).Select(_ => FreePortWithFreeBusPort()).ToArray();
        foreach (var port in Ports)
        {
            var folder = Path.Combine(TestServers.WorkRoot, $"redis-cluster-{Guid.NewGuid():N}");
            Directory.CreateDirectory(folder);
            var process = Start("redis-server",
                "--port", Text(port), "--bind", "127.0.0.1", "--cluster-enabled", "yes", "--cluster-config-file", Path.Combine(folder, "nodes.conf"),
                "--save", string.Empty, "--appendonly", "no", "--daemonize", "no", "--protected-mode", "no", "--dir", folder,
                "--logfile", Path.Combine(folder, "redis.log"));
            File.WriteAllText(Path.Combine(folder, "owner.pid"), Text(process.Id));
            _nodes.Add((process, folder));
        }

        foreach (var port in Ports)
        {
            await WaitAsync(async () => (await RunCliAsync("-p", Text(port), "PING")).Contains("PONG", StringComparison.Ordinal), $"node {port} to start");
        }

        var create = new List<string> { "--cluster", "create" };
        create.AddRange(Ports.Select(p => $"127.0.0.1:{p}"));
        create.AddRange(["--cluster-replicas", "0", "--cluster-yes"]);
        await RunCliAsync([.. create]);
        foreach (var port in Ports)
        {
            await WaitAsync(async () => (await RunCliAsync("-p", Text(port), "CLUSTER", "INFO")).Contains("cluster_state:ok", StringComparison.Ordinal), $"node {port} to see the cluster");
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var (process, folder) in _nodes)
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
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

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static Process Start(string file, params string[] arguments)
    {
        var info = new ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        return Process.Start(info) ?? throw new ServerUnavailableException($"Could not start {file}; run build/setup.sh to install redis-server.");
    }

    private static async Task<string> RunCliAsync(params string[] arguments)
    {
        using var process = Start("redis-cli", arguments);
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return output;
    }

    private static async Task WaitAsync(Func<Task<bool>> condition, string what)
    {
        var started = Stopwatch.StartNew();
        while (!await condition())
        {
            if (started.Elapsed > TimeSpan.FromSeconds(30))
            {
                throw new ServerUnavailableException($"Timed out waiting for {what}.");
            }

            await Task.Delay(100);
        }
    }

    // A cluster node also listens on port + 10000 (the cluster bus), so both must be free.
    private static int FreePortWithFreeBusPort()
    {
        while (true)
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
            if (port + 10000 > 65535)
            {
                continue;
            }

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
    }
}
