using BenchmarkDotNet.Attributes;
using Scalable.Resilience;
using Scalable.TestSupport;
using StackExchange.Redis;

namespace Scalable.Benchmarks.Resilience;

/// <summary>
/// Distributed GCRA decisions from one process against a local Redis, 256 in flight per invocation (so the figure is
/// decisions per second through one multiplexer): RedisGcraRateLimiter.AcquireAsync against a raw EVALSHA loop of the
/// same script with the same arguments (baseline). The limit is high, so every decision is a grant that writes the key.
/// </summary>
[MemoryDiagnoser]
[ShortRunJob]
public class ResilienceRedisGcraBenchmarks
{
    private const int InFlight = 256;
    private RedisServer _server = null!;
    private ConnectionMultiplexer _connection = null!;
    private RedisGcraRateLimiter _limiter = null!;
    private IDatabase _database = null!;
    private byte[] _sha1 = [];
    private RedisKey[] _keys = [];
    private RedisValue[] _arguments = [];

    [GlobalSetup]
    public async Task Setup()
    {
        // StackExchange.Redis 1.2.6 parks thread-pool threads in its socket loops; without spare threads the pool stalls.
        ThreadPool.SetMinThreads(64, 64);
        _server = await RedisServer.StartAsync();
        _connection = _server.Connect();
        _database = _connection.GetDatabase();
        var options = new RedisGcraRateLimiterOptions { Name = "bench", PermitLimit = 1_000_000_000, Window = TimeSpan.FromSeconds(1), BurstLimit = 1_000_000 };
        _limiter = new RedisGcraRateLimiter(_connection, options);
        var script = Scalable.Resilience.Internal.LimiterScripts.Gcra;
        _sha1 = script.Sha1;
        _keys = [_limiter.Key.ToString() + ":raw"];
        _arguments = ["1", 1_000_000, 1];
        await _database.ScriptEvaluateAsync(script.Text, _keys, _arguments);
        (await _limiter.AcquireAsync()).Dispose();
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        _limiter.Dispose();
        _connection.Dispose();
        await _server.DisposeAsync();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = InFlight, Description = "raw EVALSHA")]
    public async Task RawEvalSha()
    {
        var calls = new Task[InFlight];
        for (var i = 0; i < InFlight; i++)
        {
            calls[i] = _database.ScriptEvaluateAsync(_sha1, _keys, _arguments);
        }

        await Task.WhenAll(calls);
    }

    [Benchmark(OperationsPerInvoke = InFlight, Description = "RedisGcraRateLimiter")]
    public async Task Limiter()
    {
        var calls = new Task[InFlight];
        for (var i = 0; i < InFlight; i++)
        {
            calls[i] = AcquireAsync();
        }

        await Task.WhenAll(calls);
    }

    private async Task AcquireAsync()
    {
        using var lease = await _limiter.AcquireAsync();
    }
}
