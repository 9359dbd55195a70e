namespace Scalable.Caching.Tests;

public sealed class EarlyRefreshTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    [Fact]
    public async Task Under_steady_reads_the_factory_runs_ahead_of_expiry_and_no_read_waits_for_it()
    {
        using var instance = CacheInstance.WithRedis(redis.Connect(), prefix: CacheInstance.NewPrefix());
        // With a ~50 ms factory and beta 6, a refresh starts about a second before expiry: ample slack on a busy machine.
        var options = new CacheEntryOptions { Duration = TimeSpan.FromSeconds(3), EarlyRefreshBeta = 6 };
        var runs = 0;
        Func<CancellationToken, ValueTask<int>> factory = async ct =>
        {
            var run = Interlocked.Increment(ref runs);
            await Task.Delay(50, ct);
            return run;
        };
        await instance.Cache.GetOrCreateAsync("k", factory, options);

        var waited = 0;
        var seen = new HashSet<int>();
        var until = DateTime.UtcNow.AddSeconds(6.5);
        while (DateTime.UtcNow < until)
        {
            var read = instance.Cache.GetOrCreateAsync("k", factory, options);
            if (!read.IsCompletedSuccessfully)
            {
                waited++;
            }

            seen.Add(await read);
            await Task.Delay(5);
        }

        Assert.Equal(0, waited);
        Assert.True(runs >= 3, $"the factory should have refreshed ahead of expiry at least twice (ran {runs} times)");
        Assert.True(seen.Count >= 3, $"reads should have seen refreshed values (saw {string.Join(",", seen)})");
    }

    // One millisecond before expiry, with a factory that took 100 ms, XFetch refreshes with probability
    // exp(-1 / (100 * beta)): about 1 for any positive beta, 0 only when beta 0 turns it off.
    [Theory]
    [InlineData(0.0, false)]
    [InlineData(100.0, true)]
    public async Task In_the_last_millisecond_before_expiry_only_beta_zero_keeps_reads_from_refreshing_early(double beta, bool refreshes)
    {
        var clock = new FakeTimeProvider();
        using var instance = CacheInstance.Local(time: clock);
        using var counts = new CacheCounters(instance);
        var options = new CacheEntryOptions { Duration = TimeSpan.FromSeconds(30), EarlyRefreshBeta = beta };
        var runs = 0;
        Func<CancellationToken, ValueTask<int>> factory = _ =>
        {
            if (Interlocked.Increment(ref runs) == 1)
            {
                clock.Advance(TimeSpan.FromMilliseconds(100));
            }

            return ValueTask.FromResult(1);
        };
        await instance.Cache.GetOrCreateAsync("k", factory, options);
        clock.Advance(options.Duration - TimeSpan.FromMilliseconds(1));

        for (var i = 0; i < 50; i++)
        {
            var read = instance.Cache.GetOrCreateAsync("k", factory, options);
            Assert.True(read.IsCompletedSuccessfully, "a read before expiry is served from L1");
            Assert.Equal(1, await read);
        }

        // A read starts an early refresh (and counts it) before it returns, so the count is final here.
        if (refreshes)
        {
            Assert.True(counts["scalable.cache.early_refreshes"] >= 1, "a high beta refreshes in the last millisecond");
            await Eventually.TrueAsync(() => Volatile.Read(ref runs) >= 2, because: "the early refresh to run the factory");
        }
        else
        {
            Assert.Equal(0, counts["scalable.cache.early_refreshes"]);
            Assert.Equal(1, Volatile.Read(ref runs));
        }
    }

    [Fact]
    public async Task Background_refreshes_never_exceed_their_limit()
    {
        using var instance = CacheInstance.Local(o => o.MaximumBackgroundRefreshes = 2);
        var options = new CacheEntryOptions { Duration = TimeSpan.FromSeconds(30), EarlyRefreshBeta = 1_000_000 };
        var running = 0;
        var most = 0;
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var loaded = false;
        Func<CancellationToken, ValueTask<int>> factory = async ct =>
        {
            if (!Volatile.Read(ref loaded))
            {
                await Task.Delay(20, ct);
                return 0;
            }

            var now = Interlocked.Increment(ref running);
            InterlockedMax(ref most, now);
            await release.Task.WaitAsync(ct);
            Interlocked.Decrement(ref running);
            return 1;
        };
        for (var i = 0; i < 50; i++)
        {
            await instance.Cache.GetOrCreateAsync($"k{i}", factory, options);
        }

        Volatile.Write(ref loaded, true);
        for (var i = 0; i < 50; i++)
        {
            Assert.Equal(0, await instance.Cache.GetOrCreateAsync($"k{i}", factory, options));
        }

        await Eventually.TrueAsync(() => Volatile.Read(ref running) == 2, because: "two refreshes to start");
        await Task.Delay(200);
        release.SetResult();

        Assert.Equal(2, most);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }
}
