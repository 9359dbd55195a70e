using System.Threading.Channels;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace Scalable.Caching.Tests;

// An IDistributedCache (in memory) whose removals (while HoldRemovals is set) and reads (while HoldReads is set) wait until the test lets them through.
internal sealed class HoldingDistributedCache : IDistributedCache
{
    private readonly MemoryDistributedCache _inner = new(Options.Create(new MemoryDistributedCacheOptions()));
    private readonly Channel<TaskCompletionSource> _held = Channel.CreateUnbounded<TaskCompletionSource>();

    public bool HoldRemovals { get; set; }

    public bool HoldReads { get; set; }

    // The release of the next removal that L2 holds.
    public async Task<TaskCompletionSource> NextHeldAsync() => await _held.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));

    // The caller gives up while L2 holds its removal, and gets OperationCanceledException.
    public async Task RemoveCancelledWhileHeldAsync(CacheInstance instance, string key)
    {
        using var caller = new CancellationTokenSource();
        var removal = instance.Cache.RemoveAsync(key, caller.Token).AsTask();
        await NextHeldAsync();
        await caller.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => removal.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    public async Task RemoveAsync(string key, CancellationToken token = default)
    {
        await HoldIfAsync(HoldRemovals, token);
        await _inner.RemoveAsync(key, token);
    }

    public void Remove(string key) => _inner.Remove(key);

    public byte[]? Get(string key) => _inner.Get(key);

    public async Task<byte[]?> GetAsync(string key, CancellationToken token = default)
    {
        // What L2 holds is read before the hold, as a read whose answer is still on the wire.
        var value = await _inner.GetAsync(key, token);
        await HoldIfAsync(HoldReads, token);
        return value;
    }

    public void Set(string key, byte[] value, DistributedCacheEntryOptions options) => _inner.Set(key, value, options);

    public Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default) => _inner.SetAsync(key, value, options, token);

    public void Refresh(string key) => _inner.Refresh(key);

    public Task RefreshAsync(string key, CancellationToken token = default) => _inner.RefreshAsync(key, token);

    private async Task HoldIfAsync(bool hold, CancellationToken token)
    {
        if (hold)
        {
            var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _held.Writer.TryWrite(release);
            await release.Task.WaitAsync(token);
        }
    }
}
