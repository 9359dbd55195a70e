namespace Scalable.TestSupport;

/// <summary>An xunit fixture that shares one three-master Redis Cluster (local processes, always) between the tests of a class.</summary>
public sealed class RedisClusterFixture : IAsyncLifetime
{
    private RedisClusterServer? _cluster;

    /// <summary>Gets the cluster; valid after the fixture is initialized.</summary>
    public RedisClusterServer Cluster => _cluster ?? throw new InvalidOperationException("The fixture is not initialized.");

    /// <inheritdoc />
    public async Task InitializeAsync() => _cluster = await RedisClusterServer.StartAsync().ConfigureAwait(false);

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync().ConfigureAwait(false);
        }
    }
}
