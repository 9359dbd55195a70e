namespace Scalable.Resilience.Tests;

// Moves a fake clock in small steps until the awaited work is done, so Polly's delays and timeouts elapse without sleeping.
internal static class Clock
{
    public static async Task<T> RunAsync<T>(FakeTimeProvider clock, Func<Task<T>> work, TimeSpan step, int maxSteps = 10_000)
    {
        var task = Task.Run(work);
        for (var i = 0; i < maxSteps && !task.IsCompleted; i++)
        {
            await Task.Delay(1);
            clock.Advance(step);
        }

        return await task.WaitAsync(TimeSpan.FromSeconds(30));
    }
}
