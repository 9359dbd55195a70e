using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;

namespace Scalable.Caching.Tests;

public sealed class CancellationTests
{
    [Fact]
    public async Task A_caller_that_cancels_during_an_l2_call_does_not_count_as_an_l2_failure()
    {
        var l2 = new HoldingDistributedCache();

        // One failure would open the breaker, and then L2 would be skipped.
        using var a = CacheInstance.Build(null, o => o.L2CircuitBreakerFailureThreshold = 1, null, null, s => s
            .AddSingleton<IDistributedCache>(l2)
            .AddScalableCaching()
            .WithDistributedCache());
        await a.Cache.SetAsync("kept", "v1");
        l2.HoldRemovals = true;

        await l2.RemoveCancelledWhileHeldAsync(a, "k");

        l2.HoldRemovals = false;
        Assert.Equal(1, a.Internal.PendingRemovalCount);
        a.Internal.EvictLocal("kept");
        Assert.Equal("v1", (await a.Cache.TryGetAsync<string>("kept")).Value);
        Assert.DoesNotContain("circuit breaker opened", a.Log.Text, StringComparison.Ordinal);
    }
}
