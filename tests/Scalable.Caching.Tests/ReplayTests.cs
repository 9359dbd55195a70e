using System.Threading.Channels;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Scalable.Caching.Tests;

// The replay of removals that did not reach L2, driven step by step: an L2 that holds removals until the test lets
// them through, and a fake clock for the replay loop's pauses.
public sealed class ReplayTests
{
    private static readonly TimeSpan Break = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task A_removal_queued_while_the_replay_loop_is_finishing_is_replayed_too()
    {
        var clock = new FakeTimeProvider();
        var l2 = new HoldingDistributedCache();
        using var a = CacheInstance.Build(null, o => o.L2CircuitBreakerBreakDuration = Break, clock, null, s => s
            .AddSingleton<IDistributedCache>(l2)
            .AddScalableCaching()
            .WithDistributedCache());
        l2.HoldRemovals = true;
        await RemoveCancelledWhileHeldAsync(a, l2, "k1");
        clock.Advance(Break);
        var replayOfK1 = await l2.NextHeldAsync();

        await RemoveCancelledWhileHeldAsync(a, l2, "k2");
        Assert.Equal(2, a.Internal.PendingRemovalCount);
        l2.HoldRemovals = false;
        replayOfK1.SetResult();
        await Eventually.TrueAsync(() => a.Internal.PendingRemovalCount == 1, because: "the loop to replay k1, the only removal it took");

        await Eventually.TrueAsync(
            () =>
            {
                clock.Advance(Break);
                return a.Internal.PendingRemovalCount == 0;
            },
            because: "k2, queued while the loop was running, to be replayed as well");
    }

    // The caller gives up while L2 holds its removal: the removal is queued for replay, and is not an L2 failure.
    private static async Task RemoveCancelledWhileHeldAsync(CacheInstance instance, HoldingDistributedCache l2, string key)
    {
        using var caller = new CancellationTokenSource();
        var removal = instance.Cache.RemoveAsync(key, caller.Token).AsTask();
        await l2.NextHeldAsync();
        await caller.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => removal.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    private sealed class HoldingDistributedCache : IDistributedCache
    {
        private readonly MemoryDistributedCache _inner = new(Options.Create(new MemoryDistributedCacheOptions()));
        private readonly Channel<TaskCompletionSource> _held = Channel.CreateUnbounded<TaskCompletionSource>();

        public bool HoldRemovals { get; set; }

        // The release of the next removal that L2 holds.
        public async Task<TaskCompletionSource> NextHeldAsync() => await _held.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));

        public async Task RemoveAsync(string key, CancellationToken token = default)
        {
            if (HoldRemovals)
            {
                var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _held.Writer.TryWrite(release);
                await release.Task.WaitAsync(token);
            }

            await _inner.RemoveAsync(key, token);
        }

        public void Remove(string key) => _inner.Remove(key);

        public byte[]? Get(string key) => _inner.Get(key);

        public Task<byte[]?> GetAsync(string key, CancellationToken token = default) => _inner.GetAsync(key, token);

        public void Set(string key, byte[] value, DistributedCacheEntryOptions options) => _inner.Set(key, value, options);

        public Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default) => _inner.SetAsync(key, value, options, token);

        public void Refresh(string key) => _inner.Refresh(key);

        public Task RefreshAsync(string key, CancellationToken token = default) => _inner.RefreshAsync(key, token);
    }
}
