using System.Diagnostics;
using System.Globalization;
using Npgsql;
using NpgsqlTypes;
using Scalable.TestSupport.Internal;

namespace Scalable.TestSupport;

// Streaming replication on loopback: hot standbys cloned from a local primary with pg_basebackup -R, and the
// controls replica tests need (pause and resume replay, kill, promote).
public sealed partial class PostgresServer
{
    /// <summary>Gets whether this server was started as a hot standby of another local server.</summary>
    public bool IsStandby { get; private set; }

    /// <summary>Starts a hot standby of this local server on a free loopback port (pg_basebackup -R, streaming replication).</summary>
    /// <returns>The running standby, which follows this server until it is promoted.</returns>
    /// <exception cref="InvalidOperationException">This server is not a local process.</exception>
    /// <exception cref="ServerUnavailableException">pg_basebackup is missing or the standby does not start.</exception>
    public async Task<PostgresServer> StartStandbyAsync()
    {
        EnsureLocal();
        var basebackup = ProcessRunner.Find("pg_basebackup", DebianBinFolders)
            ?? throw new ServerUnavailableException("PostgreSQL's pg_basebackup was not found. Run build/setup.sh.");
        var folder = Path.Combine(TestServers.WorkRoot, $"pg-standby-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        string? runAs = null;
        if (ProcessRunner.IsRoot)
        {
            runAs = ServiceUser;
            await ProcessRunner.RunAsync("chown", [$"{ServiceUser}:{ServiceUser}", folder]).ConfigureAwait(false);
        }

        await ProcessRunner.RunAsync("chmod", ["700", folder]).ConfigureAwait(false);
        try
        {
            // -R writes standby.signal and primary_conninfo; -X stream copies the WAL needed to start consistent.
            await ProcessRunner.RunAsync(basebackup, ["-h", "127.0.0.1", "-p", Port.ToString(CultureInfo.InvariantCulture), "-U", ServiceUser, "-D", folder, "-R", "-X", "stream", "-c", "fast", "-N"], runAs, TimeSpan.FromSeconds(120)).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is InvalidOperationException or TimeoutException)
        {
            throw new ServerUnavailableException($"pg_basebackup from port {Port} failed: {ex.Message}", ex);
        }

        var standby = new PostgresServer(new NpgsqlConnectionStringBuilder(AdminConnectionString) { Port = FreeTcpPort.Next() }, folder) { IsStandby = true };
        await standby.RestartAsync().ConfigureAwait(false);
        return standby;
    }

    /// <summary>Returns a connection string like the given one (a database on the primary) that points at this server instead.</summary>
    /// <param name="connectionString">A connection string of a database that this server replicates.</param>
    /// <returns>The same database, user and settings, on this server's host and port.</returns>
    public string Redirect(string connectionString) =>
        new NpgsqlConnectionStringBuilder(connectionString) { Host = _admin.Host, Port = Port }.ConnectionString;

    /// <summary>Pauses WAL replay on this standby, so it falls behind its primary on demand (pg_wal_replay_pause).</summary>
    /// <returns>A task that completes when the pause is requested.</returns>
    public Task PauseReplayAsync() => AdminAsync("SELECT pg_wal_replay_pause()");

    /// <summary>Resumes WAL replay on this standby (pg_wal_replay_resume).</summary>
    /// <returns>A task that completes when replay is resumed.</returns>
    public Task ResumeReplayAsync() => AdminAsync("SELECT pg_wal_replay_resume()");

    /// <summary>Promotes this standby to a primary and waits until it accepts writes (pg_promote).</summary>
    /// <returns>A task that completes when the promotion is done.</returns>
    public async Task PromoteAsync()
    {
        await AdminAsync("SELECT pg_promote(wait => true, wait_seconds => 60)").ConfigureAwait(false);
        IsStandby = false;
    }

    /// <summary>Waits until this standby has replayed everything the primary had written when the call started.</summary>
    /// <param name="primary">The primary this standby follows.</param>
    /// <returns>A task that completes when the standby has caught up.</returns>
    public async Task WaitForReplayAsync(PostgresServer primary)
    {
        ArgumentNullException.ThrowIfNull(primary);
        var target = await ScalarAsync<NpgsqlLogSequenceNumber>(primary.AdminConnectionString, "SELECT pg_current_wal_insert_lsn()").ConfigureAwait(false);
        await Eventually.TrueAsync(
            async () => await ScalarAsync<NpgsqlLogSequenceNumber>(AdminConnectionString, "SELECT pg_last_wal_replay_lsn()").ConfigureAwait(false) >= target,
            TimeSpan.FromSeconds(60),
            $"the standby on port {Port} to replay up to {target}").ConfigureAwait(false);
    }

    /// <summary>Kills the server's postmaster and every backend with SIGKILL, as a crashed machine would; <see cref="RestartAsync"/> brings it back.</summary>
    /// <returns>A task that completes when the processes are gone.</returns>
    public async Task KillAsync()
    {
        EnsureLocal();
        var pidFile = Path.Combine(_dataFolder!, "postmaster.pid");
        var postmaster = int.Parse(File.ReadLines(pidFile).First().Trim(), CultureInfo.InvariantCulture);
        var processes = new List<int> { postmaster };
        processes.AddRange(ChildrenOf(postmaster));
        foreach (var pid in processes)
        {
            try
            {
                using var process = Process.GetProcessById(pid);
                process.Kill();
                await process.WaitForExitAsync().ConfigureAwait(false);
            }
            catch (ArgumentException)
            {
                // Already gone.
            }
            catch (InvalidOperationException)
            {
            }
        }

        NpgsqlConnection.ClearAllPools();
    }

    private static IEnumerable<int> ChildrenOf(int parent)
    {
        foreach (var folder in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(folder), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            string stat;
            try
            {
                stat = File.ReadAllText(Path.Combine(folder, "stat"));
            }
            catch (IOException)
            {
                continue;
            }

            // "pid (comm) state ppid ...": comm may hold spaces, so read after the last ')'.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            if (fields.Length > 1 && int.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var ppid) && ppid == parent)
            {
                yield return pid;
            }
        }
    }

    private static async Task<T> ScalarAsync<T>(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync().ConfigureAwait(false);
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync().ConfigureAwait(false))!;
    }

    private async Task AdminAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync().ConfigureAwait(false);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync().ConfigureAwait(false);
    }
}
