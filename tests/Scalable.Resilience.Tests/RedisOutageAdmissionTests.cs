using Scalable.TestSupport;
using StackExchange.Redis;

namespace Scalable.Resilience.Tests;

// Four instances (separate connections) share one GCRA limit of 100 per window with a burst of 100, through a Redis that is
// killed and restarted. The window is ten hours and the limiters' clocks are fake: Redis refills on its own clock by well
// under one permit during the test, so each step's admissions belong to the fake time of the step, and every window of
// fake time can be counted exactly.
public sealed class RedisOutageAdmissionTests : IAsyncLifetime
{
    private const int Instances = 4;
    private const int Limit = 100;
    private static readonly TimeSpan Window = TimeSpan.FromHours(10);
    private readonly FakeTimeProvider _clock = new();
    private readonly List<(TimeSpan At, int Admitted)> _steps = [];
    private RedisServer _server = null!;

    public async Task InitializeAsync() => _server = await RedisServer.StartLocalAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task A_fleet_admits_at_most_limit_plus_burst_in_every_window_across_an_outage_and_its_recovery()
    {
        var name = $"fleet-{Guid.NewGuid():N}";
        var connections = Enumerable.Range(0, Instances).Select(_ => ConnectionMultiplexer.Connect(_server.Endpoint)).ToArray();
        var limiters = connections.Select(connection => new RedisGcraRateLimiter(connection, new RedisGcraRateLimiterOptions
        {
            Name = name,
            PermitLimit = Limit,
            Window = Window,
            RecoveryProbeInterval = TimeSpan.FromHours(1),
        }, timeProvider: _clock)).ToArray();
        var start = _clock.GetUtcNow();
        try
        {
            await LearnFleetAsync(limiters);

            // Shared: the fleet takes the whole burst.
            await SaturateAsync(limiters, start);
            await _server.StopAsync();

            // Each instance finds Redis gone on its next decision, then decides locally: its bucket does not start full.
            foreach (var limiter in limiters)
            {
                (await DecideWhileRedisIsGoneAsync(limiter, 0)).Dispose();
            }

            await SaturateAsync(limiters, start, redisDown: true);

            // Later in the outage each instance admits its share of the rate.
            Advance(start, 0.5);
            await SaturateAsync(limiters, start, redisDown: true);
            Advance(start, 1.5);
            await SaturateAsync(limiters, start, redisDown: true);
            Advance(start, 1.6);
            await SaturateAsync(limiters, start, redisDown: true);

            // Redis comes back, empty (a full bucket): the instances return to it, and it does not give the fleet another burst.
            await _server.RestartAsync();
            foreach (var connection in connections)
            {
                await Eventually.TrueAsync(() => Task.FromResult(connection.IsConnected), TimeSpan.FromSeconds(30), "the connection to come back");
            }

            Advance(start, 1.7);
            await SaturateAsync(limiters, start);
            Assert.All(limiters, limiter => Assert.False(limiter.IsInOutage));

            var worst = _steps.Select(step => _steps.Where(other => other.At <= step.At && other.At > step.At - Window).Sum(other => other.Admitted)).Max();
            var steps = string.Join(", ", _steps.Select(step => $"{step.At / Window:0.###}W: {step.Admitted}"));
            Assert.True(worst <= 2 * Limit, $"the fleet admitted {worst} in one window, above limit + burst ({2 * Limit}); steps {steps}");
            Assert.True(worst >= Limit, $"the fleet admitted only {worst} in its best window; steps {steps}");
        }
        finally
        {
            foreach (var limiter in limiters)
            {
                limiter.Dispose();
            }

            foreach (var connection in connections)
            {
                connection.Dispose();
            }
        }
    }

    // Each instance takes every permit it is given, one at a time, until it is refused.
    private async Task SaturateAsync(IEnumerable<RedisGcraRateLimiter> limiters, DateTimeOffset start, bool redisDown = false)
    {
        var admitted = 0;
        foreach (var limiter in limiters)
        {
            while (true)
            {
                using var lease = redisDown ? await DecideWhileRedisIsGoneAsync(limiter, 1) : await limiter.AcquireAsync();
                if (!lease.IsAcquired)
                {
                    break;
                }

                admitted++;
            }
        }

        _steps.Add((_clock.GetUtcNow() - start, admitted));
    }

    // The decision timeout runs on the fake clock: a decision waiting for the dead Redis (a probe) ends when the clock moves
    // by it; a second is nothing against the ten-hour window.
    private async Task<System.Threading.RateLimiting.RateLimitLease> DecideWhileRedisIsGoneAsync(RedisGcraRateLimiter limiter, int permits)
    {
        var pending = limiter.AcquireAsync(permits).AsTask();
        while (!pending.IsCompleted)
        {
            _clock.Advance(TimeSpan.FromSeconds(1));
            await Task.WhenAny(pending, Task.Delay(50));
        }

        var lease = await pending;
        Assert.True(limiter.IsInOutage);
        return lease;
    }

    // Each instance counts the live instances in Redis on its decisions, at most once a second: the local share is 1 / 4.
    private async Task LearnFleetAsync(RedisGcraRateLimiter[] limiters)
        => await Eventually.TrueAsync(async () =>
        {
            _clock.Advance(TimeSpan.FromSeconds(1));
            foreach (var limiter in limiters)
            {
                using var lease = await limiter.AcquireAsync(0);
            }

            return limiters.All(limiter => limiter.LiveInstances == Instances);
        }, TimeSpan.FromSeconds(30), "every instance to count four live instances");

    private void Advance(DateTimeOffset start, double windows)
    {
        var target = start + (Window * windows);
        _clock.Advance(target - _clock.GetUtcNow());
    }
}
