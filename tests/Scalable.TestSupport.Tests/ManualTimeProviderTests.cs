using Scalable.TestSupport;

namespace Scalable.TestSupport.Tests;

public sealed class ManualTimeProviderTests
{
    [Fact]
    public void The_clock_moves_only_when_advanced()
    {
        var time = new ManualTimeProvider();
        var start = time.GetUtcNow();
        var stamp = time.GetTimestamp();

        time.Advance(TimeSpan.FromSeconds(3));

        Assert.Equal(start.AddSeconds(3), time.GetUtcNow());
        Assert.Equal(TimeSpan.FromSeconds(3), time.GetElapsedTime(stamp));
        Assert.Throws<ArgumentOutOfRangeException>(() => time.Advance(TimeSpan.FromTicks(-1)));
    }

    [Fact]
    public void Timers_fire_in_due_order_and_see_their_due_time()
    {
        var time = new ManualTimeProvider();
        var start = time.GetUtcNow();
        var fired = new List<(string Name, DateTimeOffset At)>();
        using var late = time.CreateTimer(_ => fired.Add(("late", time.GetUtcNow())), null, TimeSpan.FromSeconds(5), Timeout.InfiniteTimeSpan);
        using var early = time.CreateTimer(_ => fired.Add(("early", time.GetUtcNow())), null, TimeSpan.FromSeconds(2), Timeout.InfiniteTimeSpan);

        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Empty(fired);

        time.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal([("early", start.AddSeconds(2)), ("late", start.AddSeconds(5))], fired);
        Assert.Equal(start.AddSeconds(11), time.GetUtcNow());
    }

    [Fact]
    public void A_periodic_timer_fires_once_per_period_until_disposed()
    {
        var time = new ManualTimeProvider();
        var count = 0;
        var timer = time.CreateTimer(_ => count++, null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));

        time.Advance(TimeSpan.FromSeconds(3.5));
        Assert.Equal(3, count);

        timer.Dispose();
        time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(3, count);
    }

    [Fact]
    public async Task Task_delay_on_the_manual_clock_completes_only_after_advancing()
    {
        var time = new ManualTimeProvider();
        var delay = Task.Delay(TimeSpan.FromMinutes(1), time);

        time.Advance(TimeSpan.FromSeconds(59));
        Assert.False(delay.IsCompleted);

        time.Advance(TimeSpan.FromSeconds(1));
        await delay.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void Changing_a_timer_to_infinite_stops_it()
    {
        var time = new ManualTimeProvider();
        var fired = false;
        using var timer = time.CreateTimer(_ => fired = true, null, TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan);

        timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        time.Advance(TimeSpan.FromSeconds(2));

        Assert.False(fired);
    }
}
