using System.Diagnostics;
using System.Threading.RateLimiting;

namespace Scalable.Resilience.Tests;

// Keeps several limiters busy with more requests than the limit allows, for a fixed wall time, and counts what they admit.
internal static class Saturation
{
    public static async Task<(int Admitted, int Attempts)> RunAsync(IReadOnlyList<RateLimiter> limiters, TimeSpan duration, int workersPerLimiter = 3)
    {
        // StackExchange.Redis 1.2.6 (the version that restores here) parks thread-pool threads in each connection's socket loop;
        // with the default minimum of one thread per core the pool stalls for up to a second while it injects more, and a
        // stalled client cannot use its share of the limit. 2.x has dedicated threads; this is a test-harness setting.
        ThreadPool.GetMinThreads(out var workerThreads, out var ioThreads);
        ThreadPool.SetMinThreads(Math.Max(workerThreads, 64), Math.Max(ioThreads, 64));

        // Warm up (JIT, script cache, connections) without taking permits, so the measured window is all decisions.
        foreach (var limiter in limiters)
        {
            using var probe = await limiter.AcquireAsync(0);
        }

        var admitted = 0;
        var attempts = 0;
        var clock = Stopwatch.StartNew();
        var workers = limiters.SelectMany(limiter => Enumerable.Range(0, workersPerLimiter).Select(_ => Task.Run(async () =>
        {
            while (clock.Elapsed < duration)
            {
                using var lease = await limiter.AcquireAsync(1);
                Interlocked.Increment(ref attempts);
                if (lease.IsAcquired && clock.Elapsed < duration)
                {
                    Interlocked.Increment(ref admitted);
                }

                await Task.Delay(1);
            }
        })));
        await Task.WhenAll(workers);
        return (admitted, attempts);
    }
}
