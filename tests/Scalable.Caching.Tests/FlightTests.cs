using Scalable.Caching.Internal;

namespace Scalable.Caching.Tests;

public sealed class FlightTests
{
    [Fact]
    public async Task A_caller_that_joins_while_the_last_caller_leaves_never_gets_a_cancellation_it_did_not_ask_for()
    {
        // The last caller leaving and a newcomer joining race on two threads, many times over; a newcomer that got in
        // must never find the flight cancelled under it (it would get a TaskCanceledException it never asked for).
        const int Rounds = 20_000;
        var flights = new Flight<string>[Rounds];
        var leavers = new CancellationTokenSource[Rounds];
        var waits = new Task<CacheResult<string>>[Rounds];
        var joined = new bool[Rounds];
        for (var i = 0; i < Rounds; i++)
        {
            flights[i] = new Flight<string>(background: false);
            Assert.True(flights[i].TryJoin());
            leavers[i] = new CancellationTokenSource();
            waits[i] = flights[i].WaitAsync(leavers[i].Token).AsTask();
        }

        using var start = new Barrier(2);
        var leaver = new Thread(() =>
        {
            for (var i = 0; i < Rounds; i++)
            {
                start.SignalAndWait();
                leavers[i].Cancel();
            }
        });
        var joiner = new Thread(() =>
        {
            for (var i = 0; i < Rounds; i++)
            {
                start.SignalAndWait();
                Thread.SpinWait(i % 200);
                joined[i] = flights[i].TryJoin();
            }
        });
        leaver.Start();
        joiner.Start();
        leaver.Join();
        joiner.Join();

        var cancelledUnderANewcomer = 0;
        for (var i = 0; i < Rounds; i++)
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waits[i]);
            if (joined[i] && flights[i].Token.IsCancellationRequested)
            {
                cancelledUnderANewcomer++;
            }

            flights[i].Dispose();
            leavers[i].Dispose();
        }

        Assert.Equal(0, cancelledUnderANewcomer);
        Assert.Contains(true, joined);
        Assert.Contains(false, joined);
    }
}
