namespace Scalable.Caching.Tests;

public sealed class SingleFlightTests
{
    [Fact]
    public async Task A_thousand_concurrent_callers_on_one_cold_key_run_the_factory_once()
    {
        using var instance = CacheInstance.Local();
        var runs = 0;
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var callers = Enumerable.Range(0, 1000)
            .Select(_ => Task.Run(async () => await instance.Cache.GetOrCreateAsync("cold", async ct =>
            {
                Interlocked.Increment(ref runs);
                await gate.Task.WaitAsync(ct);
                return 42;
            })))
            .ToArray();
        await Eventually.TrueAsync(() => Volatile.Read(ref runs) > 0, because: "the factory to start");
        await Task.Delay(100);
        gate.SetResult();
        var values = await Task.WhenAll(callers);

        Assert.Equal(1, runs);
        Assert.All(values, v => Assert.Equal(42, v));
    }

    [Fact]
    public async Task A_caller_that_cancels_leaves_the_others_waiting_for_the_same_factory_run()
    {
        using var instance = CacheInstance.Local();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var runs = 0;
        var factoryCancelled = false;
        Func<CancellationToken, ValueTask<string>> factory = async ct =>
        {
            Interlocked.Increment(ref runs);
            try
            {
                await gate.Task.WaitAsync(ct);
            }
            catch (OperationCanceledException)
            {
                factoryCancelled = true;
                throw;
            }

            return "value";
        };
        using var leaving = new CancellationTokenSource();

        var first = instance.Cache.GetOrCreateAsync("k", factory, cancellationToken: leaving.Token).AsTask();
        var second = instance.Cache.GetOrCreateAsync("k", factory).AsTask();
        await leaving.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first);
        gate.SetResult();

        Assert.Equal("value", await second);
        Assert.Equal(1, runs);
        Assert.False(factoryCancelled);
    }

    [Fact]
    public async Task When_every_caller_cancels_the_factory_is_cancelled_and_a_later_caller_starts_afresh()
    {
        using var instance = CacheInstance.Local();
        var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var leaving = new CancellationTokenSource();

        var abandoned = instance.Cache.GetOrCreateAsync<string>("k", async ct =>
        {
            try
            {
                await Task.Delay(Timeout.Infinite, ct);
            }
            finally
            {
                cancelled.TrySetResult();
            }

            return "never";
        }, cancellationToken: leaving.Token).AsTask();
        await leaving.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => abandoned);
        await cancelled.Task.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal("fresh", await instance.Cache.GetOrCreateAsync("k", _ => ValueTask.FromResult("fresh")));
    }

    [Fact]
    public async Task A_factory_exception_reaches_every_waiting_caller_and_is_not_cached()
    {
        using var instance = CacheInstance.Local();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Func<CancellationToken, ValueTask<int>> failing = async _ =>
        {
            await gate.Task;
            throw new InvalidOperationException("database down");
        };

        var callers = Enumerable.Range(0, 10).Select(_ => instance.Cache.GetOrCreateAsync("k", failing).AsTask()).ToArray();
        gate.SetResult();

        foreach (var caller in callers)
        {
            Assert.Equal("database down", (await Assert.ThrowsAsync<InvalidOperationException>(() => caller)).Message);
        }

        Assert.Equal(7, await instance.Cache.GetOrCreateAsync("k", _ => ValueTask.FromResult(7)));
    }

    [Fact]
    public async Task An_l1_hit_completes_synchronously()
    {
        using var instance = CacheInstance.Local();
        await instance.Cache.GetOrCreateAsync("k", _ => ValueTask.FromResult("v"));

        var hit = instance.Cache.GetOrCreateAsync("k", _ => ValueTask.FromResult("other"));

        Assert.True(hit.IsCompletedSuccessfully);
        Assert.Equal("v", await hit);
    }
}
