using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Scalable.Resilience.Internal;

// The Redis connection of the limiters and shared breakers: either one given ready-made, or the WithRedis factory, run
// off the caller's thread (a default Connect blocks for connectTimeout, 5 s) and run again on a later use when it threw
// (Redis down at start with abortConnect=true): a failure is never cached, a success is kept for good.
internal sealed class RedisConnectionSource
{
    private readonly Func<IConnectionMultiplexer>? _connect;
    private readonly object _gate = new();
    private readonly ConcurrentDictionary<string, LimiterFleet> _fleets = new(StringComparer.Ordinal);
    private IConnectionMultiplexer? _connection;
    private Task<IConnectionMultiplexer>? _connecting;

    public RedisConnectionSource(IConnectionMultiplexer connection) => _connection = connection;

    public RedisConnectionSource(Func<IConnectionMultiplexer> connect) => _connect = connect;

    // The connection once made, or null while the factory has not succeeded yet.
    public IConnectionMultiplexer? Current => Volatile.Read(ref _connection);

    // The state shared by every limiter (every partition) of one limit on this connection.
    public LimiterFleet Fleet(RedisRateLimiterOptions options, TimeProvider time, ILogger logger)
        => _fleets.GetOrAdd(options.KeyPrefix + options.Name, static (_, state) => new LimiterFleet(state.options, state.time, state.logger), (options, time, logger));

    // Completes with the connection; at most one factory call runs at a time, and a failed one is retried by the next caller.
    public Task<IConnectionMultiplexer> ConnectAsync()
    {
        if (Current is { } connection)
        {
            return Task.FromResult(connection);
        }

        lock (_gate)
        {
            if (_connecting is null || _connecting.IsFaulted || _connecting.IsCanceled)
            {
                _connecting = Task.Run(Connect);
            }

            return _connecting;
        }
    }

    private IConnectionMultiplexer Connect()
    {
        var connection = _connect!() ?? throw new InvalidOperationException("The WithRedis connection factory returned null; return a connection.");
        Volatile.Write(ref _connection, connection);
        return connection;
    }
}
