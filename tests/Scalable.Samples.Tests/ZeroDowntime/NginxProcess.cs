using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Scalable.TestSupport;

namespace Scalable.Samples.Tests.ZeroDowntime;

/// <summary>nginx (the Debian package that build/setup.sh installs) in front of sample processes, with the sample's own configuration (samples/nginx).</summary>
internal sealed class NginxProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _folder;

    private NginxProcess(Process process, string folder, int port)
    {
        _process = process;
        _folder = folder;
        Port = port;
    }

    public int Port { get; }

    public Uri Address => new($"http://127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}");

    public string ErrorLog => File.Exists(Path.Combine(_folder, "error.log")) ? File.ReadAllText(Path.Combine(_folder, "error.log")) : string.Empty;

    public static async Task<NginxProcess> StartAsync(int port, IEnumerable<int> upstreamPorts)
    {
        var binary = new[] { "/usr/sbin/nginx", "/usr/bin/nginx", "/usr/local/sbin/nginx" }.FirstOrDefault(File.Exists)
            ?? throw new ServerUnavailableException("nginx is not installed. Run build/setup.sh (it installs the Debian package nginx).");
        var folder = Path.Combine(Path.GetTempPath(), $"scalable-nginx-{Guid.NewGuid():N}");
        foreach (var sub in new[] { "client_body", "proxy", "fastcgi", "uwsgi", "scgi" })
        {
            Directory.CreateDirectory(Path.Combine(folder, sub));
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(Path.Combine(folder, sub), (UnixFileMode)0x1FF); // nginx workers run as another user when started as root
            }
        }

        var upstreams = new StringBuilder();
        foreach (var upstream in upstreamPorts)
        {
            upstreams.Append(CultureInfo.InvariantCulture, $"    server 127.0.0.1:{upstream} max_fails=1 fail_timeout=2s;\n");
        }

        var config = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "samples", "nginx", "users-api.conf.template"))
            .Replace("@DIR@", folder, StringComparison.Ordinal)
            .Replace("@PORT@", port.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("@UPSTREAMS@\n", upstreams.ToString(), StringComparison.Ordinal);
        var configPath = Path.Combine(folder, "nginx.conf");
        File.WriteAllText(configPath, config);
        var info = new ProcessStartInfo(binary) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in new[] { "-e", Path.Combine(folder, "error.log"), "-p", folder, "-c", configPath })
        {
            info.ArgumentList.Add(argument);
        }

        var process = Process.Start(info)!;
        var nginx = new NginxProcess(process, folder, port);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await AcceptsAsync(port))
        {
            if (process.HasExited || DateTime.UtcNow > deadline)
            {
                var errors = await process.StandardError.ReadToEndAsync();
                await nginx.DisposeAsync();
                throw new ServerUnavailableException($"nginx did not start on port {port}: {errors}");
            }

            await Task.Delay(50);
        }

        return nginx;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static async Task<bool> AcceptsAsync(int port)
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync("127.0.0.1", port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
