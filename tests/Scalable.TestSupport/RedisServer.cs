using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Scalable.TestSupport.Internal;
using Scalable.TestSupport.Internal.Servers;
using StackExchange.Redis;

namespace Scalable.TestSupport;

/// <summary>A real Redis server for tests: the external one named by SCALABLE_TEST_REDIS, a container where a Docker engine answers, or a redis-server process on a free loopback port.</summary>
public sealed class RedisServer : IAsyncDisposable
{
    private readonly string? _dataFolder;
    private readonly IAsyncDisposable? _container;
    private Process? _process;

    private RedisServer(string host, int port, string? dataFolder, IAsyncDisposable? container = null)
    {
        Host = host;
        Port = port;
        _dataFolder = dataFolder;
        _container = container;
    }

    /// <summary>Gets the host name or address.</summary>
    public string Host { get; }

    /// <summary>Gets the TCP port.</summary>
    public int Port { get; }

    /// <summary>Gets whether this process started the server, so it can stop and restart it.</summary>
    public bool IsLocal => _dataFolder is not null;

    /// <summary>Gets whether the local server process is running.</summary>
    public bool IsRunning => _process is { HasExited: false };

    /// <summary>Gets the endpoint as "host:port".</summary>
    public string Endpoint => $"{Host}:{Port}";

    /// <summary>Gets a StackExchange.Redis configuration string that keeps retrying while the server is down.</summary>
    public string ConnectionString => $"{Endpoint},abortConnect=false,connectTimeout=2000,syncTimeout=2000,connectRetry=1";

    /// <summary>Uses the external server from SCALABLE_TEST_REDIS if set, else a container where a Docker engine answers, else starts a local one.</summary>
    /// <returns>The running server.</returns>
    public static async Task<RedisServer> StartAsync()
    {
        var choice = TestServers.Choice;
        switch (choice.Redis)
        {
            case ServerSource.External:
                return AtEndpoint(TestServers.ExternalRedis!, null);
            case ServerSource.Container:
                var container = await ServerContainers.StartRedisAsync(choice.DockerEndpoint!).ConfigureAwait(false);
                return AtEndpoint(container.GetConnectionString(), container);
            default:
                return await StartLocalAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Starts a local redis-server that the test owns, for tests that stop and restart it.</summary>
    /// <returns>The running server.</returns>
    /// <exception cref="ServerUnavailableException">redis-server is not installed or does not start.</exception>
    public static Task<RedisServer> StartLocalAsync() => StartLocalAsync(FreeTcpPort.Next());

    // The port is a parameter so a test can watch a start fail on a port that is already taken.
    internal static async Task<RedisServer> StartLocalAsync(int port)
    {
        var folder = Path.Combine(TestServers.WorkRoot, $"redis-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        var server = new RedisServer("127.0.0.1", port, folder);
        try
        {
            await server.StartProcessAsync().ConfigureAwait(false);
            return server;
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    // "host:port" (the port defaults to 6379), as SCALABLE_TEST_REDIS and the Redis container give it.
    private static RedisServer AtEndpoint(string endpoint, IAsyncDisposable? container)
    {
        var separator = endpoint.LastIndexOf(':');
        return separator < 0
            ? new RedisServer(endpoint, 6379, null, container)
            : new RedisServer(endpoint[..separator], int.Parse(endpoint[(separator + 1)..], System.Globalization.CultureInfo.InvariantCulture), null, container);
    }

    /// <summary>Opens a new connection to the server (each call is a separate multiplexer, like a separate instance).</summary>
    /// <param name="extraOptions">Extra StackExchange.Redis options appended to the configuration string.</param>
    /// <returns>The connection.</returns>
    public ConnectionMultiplexer Connect(string? extraOptions = null)
        => ConnectionMultiplexer.Connect(extraOptions is null ? ConnectionString : $"{ConnectionString},{extraOptions}");

    /// <summary>Kills the server process at once, as a crash would; data is lost.</summary>
    /// <returns>A task that completes when the process is gone.</returns>
    public async Task StopAsync()
    {
        EnsureLocal();
        if (_process is { HasExited: false } process)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Freezes the server process (kill -STOP), as a hung server: connections stay open and nothing is answered.</summary>
    /// <returns>A task that completes when the process is stopped.</returns>
    public Task PauseAsync() => SignalAsync("-STOP");

    /// <summary>Lets a paused server run again (kill -CONT); it then answers what it received meanwhile.</summary>
    /// <returns>A task that completes when the process runs again.</returns>
    public Task ResumeAsync() => SignalAsync("-CONT");

    /// <summary>Starts the server again on the same port, empty.</summary>
    /// <returns>A task that completes when the server accepts connections.</returns>
    public Task RestartAsync()
    {
        EnsureLocal();
        return IsRunning ? Task.CompletedTask : StartProcessAsync();
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (!IsLocal)
        {
            if (_container is not null)
            {
                await _container.DisposeAsync().ConfigureAwait(false);
            }

            return;
        }

        await StopAsync().ConfigureAwait(false);
        _process?.Dispose();
        TryDelete(_dataFolder!);
    }

    private async Task StartProcessAsync()
    {
        var binary = ProcessRunner.Find("redis-server", "/usr/bin", "/usr/local/bin")
            ?? throw new ServerUnavailableException(
                $"redis-server is not installed. Run build/setup.sh (it installs the Debian package redis-server) or set {TestServers.RedisVariable}=host:port to use an existing Redis.");
        var info = new ProcessStartInfo(binary)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in new[]
        {
            "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1",
            "--save", string.Empty, "--appendonly", "no", "--daemonize", "no", "--protected-mode", "no",
            "--dir", _dataFolder!, "--pidfile", Path.Combine(_dataFolder!, "redis.pid"), "--logfile", Path.Combine(_dataFolder!, "redis.log"),
        })
        {
            info.ArgumentList.Add(argument);
        }

        _process?.Dispose();
        _process = Process.Start(info) ?? throw new ServerUnavailableException($"Could not start {binary}.");
        File.WriteAllText(Path.Combine(_dataFolder!, "owner.pid"), _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        while (!await AnswersPingAsync(Port, timeout.Token).ConfigureAwait(false))
        {
            if (_process.HasExited || timeout.IsCancellationRequested)
            {
                var log = Path.Combine(_dataFolder!, "redis.log");
                throw new ServerUnavailableException(
                    $"redis-server on port {Port} did not start: {(File.Exists(log) ? File.ReadAllText(log) : "no log")}");
            }

            await Task.Delay(20, CancellationToken.None).ConfigureAwait(false);
        }
    }

    // A PING answered, not just an accepted connection: whatever else listens on the port never says +PONG.
    private static async Task<bool> AnswersPingAsync(int port, CancellationToken cancellationToken)
    {
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        attempt.CancelAfter(TimeSpan.FromSeconds(1));
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, port, attempt.Token).ConfigureAwait(false);
            var stream = client.GetStream();
            await stream.WriteAsync("PING\r\n"u8.ToArray(), attempt.Token).ConfigureAwait(false);
            var reply = new byte[5];
            await stream.ReadExactlyAsync(reply, attempt.Token).ConfigureAwait(false);
            return reply.AsSpan().SequenceEqual("+PONG"u8);
        }
        catch (Exception error) when (error is SocketException or IOException or OperationCanceledException)
        {
            return false;
        }
    }

    private async Task SignalAsync(string signal)
    {
        EnsureLocal();
        if (_process is { HasExited: false } process)
        {
            await ProcessRunner.RunAsync("kill", [signal, process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]).ConfigureAwait(false);
        }
    }

    private void EnsureLocal()
    {
        if (!IsLocal)
        {
            throw new InvalidOperationException($"The Redis at {Endpoint} is not a local process ({TestServers.RedisVariable} or a container); use RedisServer.StartLocalAsync() for tests that stop it.");
        }
    }

    private static void TryDelete(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
