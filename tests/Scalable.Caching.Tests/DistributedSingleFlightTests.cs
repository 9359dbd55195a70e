using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.ExceptionServices;

namespace Scalable.Caching.Tests;

public sealed class DistributedSingleFlightTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    [Fact]
    public async Task Four_instances_with_250_callers_each_on_one_cold_key_run_the_factory_once_in_total()
    {
        using var fleet = new CacheFleet(redis.Connect, 4);
        var runs = 0;
        Func<CancellationToken, ValueTask<string>> factory = async ct =>
        {
            Interlocked.Increment(ref runs);
            await Task.Delay(300, ct);
            return "computed once";
        };

        var callers = Enumerable.Range(0, 1000)
            .Select(i => Task.Run(async () => await fleet[i % 4].Cache.GetOrCreateAsync("cold", factory)))
            .ToArray();
        var values = await Task.WhenAll(callers).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(1, runs);
        Assert.Equal(1000, values.Length);
        Assert.All(values, v => Assert.Equal("computed once", v));
    }

    [Fact]
    public async Task A_fleet_stampede_throws_no_exception_inside_the_cache_on_the_normal_path()
    {
        // Timeouts far beyond any stall of a loaded machine: a slow Redis call is not the normal path this test is about.
        using var fleet = new CacheFleet(() => redis.Server.Connect("asyncTimeout=60000,syncTimeout=60000"), 4, o => o.L2OperationTimeout = TimeSpan.FromSeconds(60));
        await Task.WhenAll(Enumerable.Range(0, 4).Select(i => fleet[i].Cache.GetOrCreateAsync("warm-up", _ => ValueTask.FromResult(0)).AsTask()));
        var cache = typeof(Internal.ScalableCache).Assembly;
        var thrown = new ConcurrentQueue<string>();
        var marker = new object();
        var scope = new AsyncLocal<object?>();
        void Record(object? sender, FirstChanceExceptionEventArgs e)
        {
            // Only exceptions raised under this test's calls (their execution context carries the marker) and thrown
            // with the cache's own code on the stack: not other tests' exceptions, nor the Redis client's own.
            if (scope.Value == marker && new StackTrace(1, false).GetFrames().Any(f => f.GetMethod()?.Module.Assembly == cache))
            {
                thrown.Enqueue($"{e.Exception.GetType().Name}: {e.Exception.Message}\n{new StackTrace(1, false)}");
            }
        }

        AppDomain.CurrentDomain.FirstChanceException += Record;
        try
        {
            scope.Value = marker;
            for (var stampede = 0; stampede < 5; stampede++)
            {
                var key = $"cold-{stampede}";
                var callers = Enumerable.Range(0, 40).Select(i => Task.Run(async () => await fleet[i % 4].Cache.GetOrCreateAsync(key, async ct =>
                {
                    await Task.Delay(20, ct);
                    return 42;
                })));
                Assert.All(await Task.WhenAll(callers).WaitAsync(TimeSpan.FromSeconds(60)), v => Assert.Equal(42, v));
            }
        }
        finally
        {
            scope.Value = null;
            AppDomain.CurrentDomain.FirstChanceException -= Record;
        }

        Assert.True(thrown.IsEmpty, $"{thrown.Count} exception(s) thrown inside the cache; the first:\n{thrown.FirstOrDefault()}");
    }

    [Fact]
    public async Task When_the_lease_holder_dies_mid_factory_another_instance_computes_after_the_lease_expires()
    {
        var prefix = CacheInstance.NewPrefix();
        void ShortLease(ScalableCachingOptions o)
        {
            o.LeaseDuration = TimeSpan.FromSeconds(1);
            o.LeaseWaitTimeout = TimeSpan.FromMinutes(2);
        }

        var holder = CacheInstance.WithRedis(redis.Connect(), ShortLease, prefix);
        using var survivor = CacheInstance.WithRedis(redis.Connect(), ShortLease, prefix);
        using var holderCaller = new CancellationTokenSource();
        var holderStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var survivorRuns = 0;

        var holderCall = holder.Cache.GetOrCreateAsync<string>("k", async ct =>
        {
            holderStarted.SetResult();
            await Task.Delay(Timeout.Infinite, ct);
            return "from the holder";
        }, cancellationToken: holderCaller.Token).AsTask();
        await holderStarted.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var survivorCall = survivor.Cache.GetOrCreateAsync("k", _ =>
        {
            Interlocked.Increment(ref survivorRuns);
            return ValueTask.FromResult("from the survivor");
        }).AsTask();
        await Task.Delay(300);
        Assert.Equal(0, Volatile.Read(ref survivorRuns));

        holder.Connection!.Dispose();
        await holderCaller.CancelAsync();

        var finished = await Task.WhenAny(survivorCall, Task.Delay(TimeSpan.FromSeconds(30)));
        Assert.True(finished == survivorCall, $"the survivor should finish; survivor log:\n{survivor.Log.Text}\nholder log:\n{holder.Log.Text}");
        Assert.Equal("from the survivor", await survivorCall);
        Assert.Equal(1, survivorRuns);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => holderCall);
        holder.Dispose();
    }

    [Fact]
    public async Task A_waiter_computes_itself_after_the_bounded_wait_when_the_holder_never_finishes()
    {
        var prefix = CacheInstance.NewPrefix();
        using var holder = CacheInstance.WithRedis(redis.Connect(), prefix: prefix);
        var waitTimeout = TimeSpan.FromSeconds(1);
        using var waiter = CacheInstance.WithRedis(redis.Connect(), o => o.LeaseWaitTimeout = waitTimeout, prefix);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var holderStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var holderCall = holder.Cache.GetOrCreateAsync("k", async ct =>
        {
            holderStarted.SetResult();
            await release.Task.WaitAsync(ct);
            return "slow";
        }).AsTask();
        await holderStarted.Task.WaitAsync(TimeSpan.FromSeconds(30));

        // When the waiter's factory starts says how long it waited: a lower bound, which a loaded machine can only lengthen.
        var waiting = Stopwatch.StartNew();
        var waitedBeforeComputing = TimeSpan.Zero;
        var value = await waiter.Cache.GetOrCreateAsync("k", _ =>
        {
            waitedBeforeComputing = waiting.Elapsed;
            return ValueTask.FromResult("impatient");
        }).AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        release.SetResult();

        Assert.Equal("impatient", value);
        Assert.True(waitedBeforeComputing >= waitTimeout, $"the waiter computed after {waitedBeforeComputing.TotalMilliseconds:0} ms, before its wait timeout; log:\n{waiter.Log.Text}");
        Assert.Equal("slow", await holderCall);
    }

    [Fact]
    public async Task The_holder_renews_its_lease_so_a_factory_longer_than_the_lease_still_runs_once()
    {
        // Renewal every third of the lease leaves two thirds (670 ms) of slack for a stalled thread pool on a busy machine.
        using var fleet = new CacheFleet(redis.Connect, 2, o => o.LeaseDuration = TimeSpan.FromSeconds(1));
        var runs = 0;
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Func<CancellationToken, ValueTask<string>> slow = async ct =>
        {
            Interlocked.Increment(ref runs);
            started.TrySetResult();
            await Task.Delay(2500, ct);
            return "long";
        };

        var first = fleet[0].Cache.GetOrCreateAsync("k", slow).AsTask();
        await started.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var second = fleet[1].Cache.GetOrCreateAsync("k", slow).AsTask();

        Assert.Equal(["long", "long"], await Task.WhenAll(first, second).WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(1, runs);
    }

    [Fact]
    public async Task Waiters_are_woken_by_the_holders_notice_not_by_the_lease_running_out()
    {
        using var fleet = new CacheFleet(redis.Connect, 2, o => o.LeaseDuration = TimeSpan.FromMinutes(2));
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var first = fleet[0].Cache.GetOrCreateAsync("k", async ct =>
        {
            started.TrySetResult();
            await Task.Delay(300, ct);
            return "v";
        }).AsTask();
        await started.Task.WaitAsync(TimeSpan.FromSeconds(30));

        // The lease would only run out after two minutes; the notice wakes the waiter long before.
        var second = fleet[1].Cache.GetOrCreateAsync("k", _ => ValueTask.FromResult("second computed")).AsTask();

        Assert.Equal("v", await second.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal("v", await first);
    }

    [Fact]
    public async Task A_waiting_instance_with_a_stale_value_serves_it_after_the_soft_timeout_and_adopts_the_new_value_later()
    {
        using var fleet = new CacheFleet(redis.Connect, 2);
        var options = new CacheEntryOptions
        {
            Duration = TimeSpan.FromMilliseconds(200),
            FailSafeMaxDuration = TimeSpan.FromMinutes(10),
            FactorySoftTimeout = TimeSpan.FromMilliseconds(200),
            EarlyRefreshBeta = 0,
        };
        await fleet[0].Cache.GetOrCreateAsync("k", _ => ValueTask.FromResult("v1"), options);
        await fleet[1].Cache.GetOrCreateAsync("k", _ => ValueTask.FromResult("unused"), options);
        await Task.Delay(400);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var holder = fleet[0].Cache.GetOrCreateEntryAsync("k", async (_, ct) =>
        {
            started.TrySetResult();
            await gate.Task.WaitAsync(ct);
            return "v2";
        }, options).AsTask();
        await started.Task.WaitAsync(TimeSpan.FromSeconds(30));

        var waiter = await fleet[1].Cache.GetOrCreateEntryAsync("k", (_, _) => ValueTask.FromResult("b computed"), options).AsTask().WaitAsync(TimeSpan.FromSeconds(20));

        // Both answers are read while the factory is still held at the gate, so only the soft timeout can have produced them.
        var holderResult = await holder.WaitAsync(TimeSpan.FromSeconds(20));
        gate.SetResult();

        Assert.Equal(new CacheResult<string>("v1", true, true), waiter);
        Assert.Equal(new CacheResult<string>("v1", true, true), holderResult);
        await Eventually.TrueAsync(async () => (await fleet[1].Cache.TryGetAsync<string>("k")).Value == "v2", because: "B to adopt A's new value");
    }
}
