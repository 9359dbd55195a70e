using System.Threading.RateLimiting;
using Polly;

namespace Scalable.Resilience.Internal;

// Polly.RateLimiting is not available here, so the strategy is written on Polly's public extensibility API.
internal sealed class RateLimitResilienceStrategy(RateLimiter limiter, string name, bool ownsLimiter) : ResilienceStrategy, IAsyncDisposable
{
    protected override async ValueTask<Outcome<TResult>> ExecuteCore<TResult, TState>(
        Func<ResilienceContext, TState, ValueTask<Outcome<TResult>>> callback,
        ResilienceContext context,
        TState state)
    {
        RateLimitLease lease;
        try
        {
            lease = await limiter.AcquireAsync(1, context.CancellationToken).ConfigureAwait(context.ContinueOnCapturedContext);
        }
        catch (OperationCanceledException exception)
        {
            return Outcome.FromException<TResult>(exception);
        }

        using (lease)
        {
            if (lease.IsAcquired)
            {
                return await callback(context, state).ConfigureAwait(context.ContinueOnCapturedContext);
            }

            TimeSpan? retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var delay) ? delay : null;
            ResilienceMetrics.RecordPipelineRejection(name);
            return Outcome.FromException<TResult>(new RateLimitRejectedException(retryAfter));
        }
    }

    public ValueTask DisposeAsync() => ownsLimiter ? limiter.DisposeAsync() : ValueTask.CompletedTask;
}
