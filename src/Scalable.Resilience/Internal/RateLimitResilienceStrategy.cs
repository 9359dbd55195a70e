using System.Threading.RateLimiting;
using Polly;
using Polly.Telemetry;

namespace Scalable.Resilience.Internal;

// Polly.RateLimiting is not available here, so the strategy is written on Polly's public extensibility API.
// Rejections are reported to Polly's telemetry (event "OnRateLimiterRejected", as Polly.RateLimiting names it) and to our meter.
internal sealed class RateLimitResilienceStrategy(RateLimiter limiter, string name, bool ownsLimiter, ResilienceStrategyTelemetry telemetry)
    : ResilienceStrategy, IAsyncDisposable
{
    private static readonly ResilienceEvent RejectedEvent = new(ResilienceEventSeverity.Error, "OnRateLimiterRejected");

    public ValueTask DisposeAsync() => ownsLimiter ? limiter.DisposeAsync() : ValueTask.CompletedTask;

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
            var exception = new RateLimitRejectedException(retryAfter);
            telemetry.SetTelemetrySource(exception);
            telemetry.Report(RejectedEvent, context, exception);
            ResilienceMetrics.RecordPipelineRejection(name);
            return Outcome.FromException<TResult>(exception);
        }
    }
}
