namespace Scalable.Cluster.Tests;

// One three-master Redis Cluster shared by a test class.
public sealed class RedisClusterFixture : IAsyncLifetime
{
    private RedisClusterServer? _cluster;

    public RedisClusterServer Cluster => _cluster ?? throw new InvalidOperationException("The cluster has not started.");

    public async Task InitializeAsync() => _cluster = await RedisClusterServer.StartAsync();

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }
}
