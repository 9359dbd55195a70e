namespace Scalable.TestSupport;

/// <summary>Waits for a condition that becomes true asynchronously (a pub/sub message, a background relay), failing with a message after a bound.</summary>
public static class Eventually
{
    /// <summary>Polls the condition until it holds or the timeout passes, then fails the test.</summary>
    /// <param name="condition">The condition.</param>
    /// <param name="timeout">How long to wait (default 30 seconds: a generous bound, not a timing assertion).</param>
    /// <param name="because">What was awaited, for the failure message.</param>
    /// <returns>A task that completes when the condition holds.</returns>
    public static async Task TrueAsync(Func<Task<bool>> condition, TimeSpan? timeout = null, string because = "the condition")
    {
        ArgumentNullException.ThrowIfNull(condition);
        var limit = timeout ?? TimeSpan.FromSeconds(30);
        var started = DateTime.UtcNow;
        while (!await condition().ConfigureAwait(false))
        {
            if (DateTime.UtcNow - started > limit)
            {
                throw new Xunit.Sdk.XunitException($"Timed out after {limit.TotalSeconds:0.#} s waiting for {because}.");
            }

            await Task.Delay(25).ConfigureAwait(false);
        }
    }

    /// <summary>Polls a synchronous condition until it holds or the timeout passes, then fails the test.</summary>
    /// <param name="condition">The condition.</param>
    /// <param name="timeout">How long to wait (default 30 seconds).</param>
    /// <param name="because">What was awaited, for the failure message.</param>
    /// <returns>A task that completes when the condition holds.</returns>
    public static Task TrueAsync(Func<bool> condition, TimeSpan? timeout = null, string because = "the condition")
    {
        ArgumentNullException.ThrowIfNull(condition);
        return TrueAsync(() => Task.FromResult(condition()), timeout, because);
    }
}
