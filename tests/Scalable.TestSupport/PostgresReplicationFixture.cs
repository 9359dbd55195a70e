namespace Scalable.TestSupport;

/// <summary>An xunit fixture that shares one local primary with two hot standbys between the tests of a class.</summary>
public sealed class PostgresReplicationFixture : IAsyncLifetime
{
    private PostgresReplicaSet? _set;

    /// <summary>Gets the replica set; valid after the fixture is initialized.</summary>
    public PostgresReplicaSet Set => _set ?? throw new InvalidOperationException("The fixture is not initialized.");

    /// <inheritdoc />
    public async Task InitializeAsync() => _set = await PostgresReplicaSet.StartAsync(standbys: 2).ConfigureAwait(false);

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (_set is not null)
        {
            await _set.DisposeAsync().ConfigureAwait(false);
        }
    }
}
