using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Scalable.TestSupport.Internal;
using StackExchange.Redis;

namespace Scalable.TestSupport;

/// <summary>A real Redis server for tests: a redis-server process on a free loopback port, or the external one named by SCALABLE_TEST_REDIS.</summary>
public sealed class RedisServer : IAsyncDisposable
{
    private readonly string? _dataFolder;
    private Process? _process;

    private RedisServer(string host, int port, string? dataFolder)
    {
        Host = host;
        Port = port;
        _dataFolder = dataFolder;
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

    /// <summary>Uses the external server from SCALABLE_TEST_REDIS if set, otherwise starts a local one.</summary>
    /// <returns>The running server.</returns>
    public static Task<RedisServer> StartAsync()
    {
        var external = TestServers.ExternalRedis;
        if (external is null)
        {
            return StartLocalAsync();
        }

        var separator = external.LastIndexOf(':');
        var server = separator < 0
            ? new RedisServer(external, 6379, null)
            : new RedisServer(external[..separator], int.Parse(external[(separator + 1)..], System.Globalization.CultureInfo.InvariantCulture), null);
        return Task.FromResult(server);
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

    /// <summary>Freezes the server process (SIGSTOP), as a hung server: connections stay open and nothing answers.</summary>
    /// <returns>A task that completes when the signal is sent.</returns>
    public Task PauseAsync() => SignalAsync("-STOP");

    /// <summary>Lets a paused server run again (SIGCONT); it answers what was sent to it meanwhile.</summary>
    /// <returns>A task that completes when the signal is sent.</returns>
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
        if (_process is not { HasExited: false } process)
        {
            throw new InvalidOperationException($"The Redis at {Endpoint} is not running.");
        }

        using var kill = Process.Start("kill", [signal, process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync().ConfigureAwait(false);
        if (kill.ExitCode != 0)
        {
            throw new InvalidOperationException($"kill {signal} {process.Id} failed with exit code {kill.ExitCode}.");
        }
    }

    private void EnsureLocal()
    {
        if (!IsLocal)
        {
            throw new InvalidOperationException($"The Redis at {Endpoint} is external ({TestServers.RedisVariable}); use RedisServer.StartLocalAsync() for tests that stop it.");
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
