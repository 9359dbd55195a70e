namespace Scalable.TestSupport;

/// <summary>A local PostgreSQL primary with hot standbys that follow it by streaming replication, all on loopback.</summary>
public sealed class PostgresReplicaSet : IAsyncDisposable
{
    private PostgresReplicaSet(PostgresServer primary, IReadOnlyList<PostgresServer> standbys)
    {
        Primary = primary;
        Standbys = standbys;
    }

    /// <summary>Gets the primary.</summary>
    public PostgresServer Primary { get; }

    /// <summary>Gets the standbys, in the order they were started.</summary>
    public IReadOnlyList<PostgresServer> Standbys { get; }

    /// <summary>Starts a local primary and the given number of hot standbys of it.</summary>
    /// <param name="standbys">How many standbys (1 or 2 is typical).</param>
    /// <returns>The running replica set.</returns>
    /// <exception cref="ServerUnavailableException">The PostgreSQL binaries are missing or a server does not start.</exception>
    public static async Task<PostgresReplicaSet> StartAsync(int standbys = 2)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(standbys);
        var primary = await PostgresServer.StartLocalAsync().ConfigureAwait(false);
        var started = new List<PostgresServer>();
        try
        {
            for (var i = 0; i < standbys; i++)
            {
                started.Add(await primary.StartStandbyAsync().ConfigureAwait(false));
            }
        }
        catch
        {
            foreach (var server in started)
            {
                await server.DisposeAsync().ConfigureAwait(false);
            }

            await primary.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return new PostgresReplicaSet(primary, started);
    }

    /// <summary>Creates a database on the primary and waits until every running standby has it.</summary>
    /// <param name="prefix">The start of the database name.</param>
    /// <returns>The primary's connection string of the new database (use <see cref="PostgresServer.Redirect"/> for a standby's).</returns>
    public async Task<string> CreateDatabaseAsync(string prefix = "db")
    {
        var connectionString = await Primary.CreateDatabaseAsync(prefix).ConfigureAwait(false);
        await WaitForStandbysAsync().ConfigureAwait(false);
        return connectionString;
    }

    /// <summary>Waits until every standby that is a standby still has replayed what the primary has written so far.</summary>
    /// <returns>A task that completes when they have caught up.</returns>
    public async Task WaitForStandbysAsync()
    {
        foreach (var standby in Standbys.Where(s => s.IsStandby))
        {
            await standby.WaitForReplayAsync(Primary).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        foreach (var standby in Standbys)
        {
            await standby.DisposeAsync().ConfigureAwait(false);
        }

        await Primary.DisposeAsync().ConfigureAwait(false);
    }
}
