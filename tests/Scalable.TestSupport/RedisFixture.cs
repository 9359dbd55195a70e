using StackExchange.Redis;

namespace Scalable.TestSupport;

/// <summary>An xunit fixture that shares one Redis server (local or external) between the tests of a class or collection.</summary>
public sealed class RedisFixture : IAsyncLifetime
{
    private RedisServer? _server;

    /// <summary>Gets the server; valid after the fixture is initialized.</summary>
    public RedisServer Server => _server ?? throw new InvalidOperationException("The fixture is not initialized.");

    /// <summary>Opens a new, separate connection to the shared server.</summary>
    /// <returns>The connection.</returns>
    public ConnectionMultiplexer Connect() => Server.Connect();

    /// <inheritdoc />
    public async Task InitializeAsync() => _server = await RedisServer.StartAsync().ConfigureAwait(false);

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync().ConfigureAwait(false);
        }
    }
}
