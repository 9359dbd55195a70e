using System.Globalization;
using Npgsql;
using Scalable.TestSupport.Internal;
using Scalable.TestSupport.Internal.Servers;

namespace Scalable.TestSupport;

/// <summary>A real PostgreSQL server for tests: the external one named by SCALABLE_TEST_POSTGRES, a container where a Docker engine answers, or initdb + pg_ctl on a free loopback port (as the postgres user when run as root).</summary>
public sealed partial class PostgresServer : IAsyncDisposable
{
    private const string ServiceUser = "postgres";
    private static readonly string[] DebianBinFolders = Directory.Exists("/usr/lib/postgresql")
        ? Directory.GetDirectories("/usr/lib/postgresql").OrderByDescending(d => d, StringComparer.Ordinal).Select(d => Path.Combine(d, "bin")).ToArray()
        : [];

    private readonly string? _dataFolder;
    private readonly NpgsqlConnectionStringBuilder _admin;
    private readonly IAsyncDisposable? _container;
    private int _databaseCounter;

    private PostgresServer(NpgsqlConnectionStringBuilder admin, string? dataFolder, IAsyncDisposable? container = null)
    {
        _admin = admin;
        _dataFolder = dataFolder;
        _container = container;
    }

    /// <summary>Gets whether this process started the server, so it can stop and restart it.</summary>
    public bool IsLocal => _dataFolder is not null;

    /// <summary>Gets the TCP port.</summary>
    public int Port => _admin.Port;

    /// <summary>Gets a connection string to the server's maintenance database ("postgres").</summary>
    public string AdminConnectionString => _admin.ConnectionString;

    /// <summary>Uses the external server from SCALABLE_TEST_POSTGRES if set, else a container where a Docker engine answers, else starts a local one.</summary>
    /// <returns>The running server.</returns>
    public static async Task<PostgresServer> StartAsync()
    {
        var choice = TestServers.Choice;
        switch (choice.Postgres)
        {
            case ServerSource.External:
                return new PostgresServer(new NpgsqlConnectionStringBuilder(TestServers.ExternalPostgres), null);
            case ServerSource.Container:
                var container = await ServerContainers.StartPostgresAsync(choice.DockerEndpoint!).ConfigureAwait(false);
                return new PostgresServer(new NpgsqlConnectionStringBuilder(container.GetConnectionString()), null, container);
            default:
                return await StartLocalAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Starts a local PostgreSQL server that the test owns, for tests that stop and restart it.</summary>
    /// <returns>The running server.</returns>
    /// <exception cref="ServerUnavailableException">The PostgreSQL server binaries are missing or the server does not start.</exception>
    public static async Task<PostgresServer> StartLocalAsync()
    {
        var folder = Path.Combine(TestServers.WorkRoot, $"pg-{Guid.NewGuid():N}");
        var port = FreeTcpPort.Next();
        var admin = new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1",
            Port = port,
            Username = ServiceUser,
            Database = "postgres",
            Timeout = 15, // a busy 2-core machine can take seconds to accept a connection to a freshly (re)started server
            CommandTimeout = 30,
        };
        var server = new PostgresServer(admin, folder);
        await server.InitAsync().ConfigureAwait(false);
        await server.RestartAsync().ConfigureAwait(false);
        return server;
    }

    /// <summary>Creates a new, empty database with a unique name and returns its connection string.</summary>
    /// <param name="prefix">The start of the database name, for readable logs.</param>
    /// <returns>A connection string to the new database.</returns>
    public async Task<string> CreateDatabaseAsync(string prefix = "db")
    {
        var name = $"{prefix}_{Interlocked.Increment(ref _databaseCounter)}_{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 20, 63)].ToLowerInvariant();
        await using (var connection = new NpgsqlConnection(AdminConnectionString))
        {
            await connection.OpenAsync().ConfigureAwait(false);
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await command.ExecuteNonQueryAsync().ConfigureAwait(false);
        }

        return new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = name }.ConnectionString;
    }

    /// <summary>Creates several new databases (for example one per shard) and returns their connection strings.</summary>
    /// <param name="count">How many databases.</param>
    /// <param name="prefix">The start of each database name.</param>
    /// <returns>The connection strings, in order.</returns>
    public async Task<IReadOnlyList<string>> CreateDatabasesAsync(int count, string prefix = "shard")
    {
        var result = new List<string>(count);
        for (var i = 0; i < count; i++)
        {
            result.Add(await CreateDatabaseAsync($"{prefix}{i}").ConfigureAwait(false));
        }

        return result;
    }

    /// <summary>Stops the server at once (immediate shutdown, as a crash would); committed data survives.</summary>
    /// <returns>A task that completes when the server is down.</returns>
    public async Task StopAsync()
    {
        EnsureLocal();
        await PgCtlAsync("stop", "-m", "immediate", "-w").ConfigureAwait(false);
        NpgsqlConnection.ClearAllPools();
    }

    /// <summary>Starts the server again on the same port with the same data.</summary>
    /// <returns>A task that completes when the server accepts connections.</returns>
    public async Task RestartAsync()
    {
        EnsureLocal();
        var options = string.Join(' ',
            $"-p {Port.ToString(CultureInfo.InvariantCulture)}",
            "-c listen_addresses=127.0.0.1",
            $"-k {_dataFolder}",
            "-c max_connections=400",
            "-c fsync=off",
            "-c full_page_writes=off");
        try
        {
            await PgCtlAsync("start", "-w", "-t", "60", "-l", Path.Combine(_dataFolder!, "server.log"), "-o", options).ConfigureAwait(false);
        }
        catch (InvalidOperationException ex)
        {
            var log = Path.Combine(_dataFolder!, "server.log");
            throw new ServerUnavailableException($"PostgreSQL did not start on port {Port}: {ex.Message} {(File.Exists(log) ? File.ReadAllText(log) : string.Empty)}", ex);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (!IsLocal)
        {
            if (_container is not null)
            {
                NpgsqlConnection.ClearAllPools();
                await _container.DisposeAsync().ConfigureAwait(false);
            }

            return;
        }

        NpgsqlConnection.ClearAllPools();
        try
        {
            await PgCtlAsync("stop", "-m", "immediate", "-w").ConfigureAwait(false);
        }
        catch (InvalidOperationException)
        {
            // Already stopped by the test.
        }

        try
        {
            Directory.Delete(_dataFolder!, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private async Task InitAsync()
    {
        var initdb = ProcessRunner.Find("initdb", DebianBinFolders)
            ?? throw new ServerUnavailableException(
                $"PostgreSQL's initdb was not found on PATH or under /usr/lib/postgresql/*/bin. Run build/setup.sh (it installs the Debian package postgresql) or set {TestServers.PostgresVariable} to a connection string.");
        Directory.CreateDirectory(_dataFolder!);
        string? runAs = null;
        if (ProcessRunner.IsRoot)
        {
            // PostgreSQL refuses to run as root: the data folder belongs to the postgres user, who runs the server.
            runAs = ServiceUser;
            await ProcessRunner.RunAsync("chown", [$"{ServiceUser}:{ServiceUser}", _dataFolder!]).ConfigureAwait(false);
        }

        try
        {
            await ProcessRunner.RunAsync(initdb, ["-D", _dataFolder!, "-U", ServiceUser, "-A", "trust", "--no-sync", "-E", "UTF8", "--locale=C"], runAs, TimeSpan.FromSeconds(120)).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is InvalidOperationException or TimeoutException or System.ComponentModel.Win32Exception)
        {
            throw new ServerUnavailableException($"initdb failed in {_dataFolder}: {ex.Message}", ex);
        }
    }

    private Task<string> PgCtlAsync(params string[] arguments)
    {
        var pgCtl = ProcessRunner.Find("pg_ctl", DebianBinFolders)
            ?? throw new ServerUnavailableException("PostgreSQL's pg_ctl was not found. Run build/setup.sh.");
        return ProcessRunner.RunAsync(pgCtl, ["-D", _dataFolder!, .. arguments], ProcessRunner.IsRoot ? ServiceUser : null, TimeSpan.FromSeconds(90));
    }

    private void EnsureLocal()
    {
        if (!IsLocal)
        {
            throw new InvalidOperationException($"The PostgreSQL server is not a local process ({TestServers.PostgresVariable} or a container); use PostgresServer.StartLocalAsync() for tests that stop it.");
        }
    }
}
