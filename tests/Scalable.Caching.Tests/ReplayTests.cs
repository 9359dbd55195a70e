using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;

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
        await l2.RemoveCancelledWhileHeldAsync(a, "k1");
        clock.Advance(Break);
        var replayOfK1 = await l2.NextHeldAsync();

        await l2.RemoveCancelledWhileHeldAsync(a, "k2");
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
}
