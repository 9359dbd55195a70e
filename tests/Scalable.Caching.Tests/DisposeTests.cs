using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;

namespace Scalable.Caching.Tests;

public sealed class DisposeTests
{
    [Fact]
    public async Task Removals_still_queued_when_the_cache_is_disposed_are_logged_with_their_count()
    {
        var l2 = new HoldingDistributedCache();
        var a = CacheInstance.Build(null, null, null, null, s => s
            .AddSingleton<IDistributedCache>(l2)
            .AddScalableCaching()
            .WithDistributedCache());
        l2.HoldRemovals = true;
        await l2.RemoveCancelledWhileHeldAsync(a, "k1");
        await l2.RemoveCancelledWhileHeldAsync(a, "k2");
        Assert.Equal(2, a.Internal.PendingRemovalCount);

        a.Dispose();

        Assert.Contains("12 Disposed with 2 queued removals", a.Log.Text, StringComparison.Ordinal);
    }
}
