using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using Npgsql;
using Polly;
using Polly.CircuitBreaker;
using Polly.Registry;
using Polly.Timeout;
using Scalable.Resilience;
using Scalable.Sharding;

namespace Scalable.Samples.UsersApi;

/// <summary>One resilience pipeline (and so one circuit breaker) per shard: a shard that is down fails only its own users' requests, at once.</summary>
internal sealed class ShardPipelines(ResiliencePipelineProvider<string> provider)
{
    // When a shard is unreachable and the breaker gives no hint, clients are told to come back after this long.
    private static readonly TimeSpan DefaultRetryAfter = TimeSpan.FromSeconds(5);

    public static string PipelineName(string shard) => $"shard:{shard}";

    // No retry: a write retried after a lost commit acknowledgement could run twice, and a fast 503 with Retry-After lets
    // the client (or nginx, for idempotent requests) decide; the breaker stops hammering a shard that is down.
    public static void Configure(StandardPipelineOptions options)
    {
        options.Retry.Enabled = false;
        options.AttemptTimeout = TimeSpan.FromSeconds(2);
        options.TotalTimeout = TimeSpan.FromSeconds(5);
        options.RateLimiter.Enabled = false;
        options.CircuitBreaker.FailureRatio = 0.5;
        options.CircuitBreaker.MinimumThroughput = 2;
        options.CircuitBreaker.SamplingDuration = TimeSpan.FromSeconds(10);
        options.CircuitBreaker.BreakDuration = TimeSpan.FromSeconds(5);
    }

    public async ValueTask<T> ExecuteAsync<TState, T>(ShardDefinition shard, TState state, Func<TState, CancellationToken, ValueTask<T>> action, CancellationToken cancellationToken)
    {
        var pipeline = provider.GetPipeline(PipelineName(shard.Name));
        var fenced = new StrongBox<ShardMoveInProgressException?>();
        try
        {
            var result = await pipeline.ExecuteAsync(
                static async (s, token) =>
                {
                    try
                    {
                        return await s.action(s.state, token);
                    }
                    catch (ShardMoveInProgressException ex)
                    {
                        // A key at a move's cutover is not a shard failure: kept from the breaker, so the shard's other users are not failed.
                        s.fenced.Value = ex;
                        return default!;
                    }
                },
                (action, state, fenced),
                cancellationToken);
            if (fenced.Value is { } moving)
            {
                ExceptionDispatchInfo.Throw(moving); // answered 503 with Retry-After by ProblemExceptionHandler
            }

            return result;
        }
        catch (BrokenCircuitException ex)
        {
            throw new ShardUnavailableException(shard.Name, ex.RetryAfter ?? DefaultRetryAfter, ex);
        }
        catch (TimeoutRejectedException ex)
        {
            throw new ShardUnavailableException(shard.Name, DefaultRetryAfter, ex);
        }
        catch (NpgsqlException ex) when (ex.IsTransient && !cancellationToken.IsCancellationRequested)
        {
            throw new ShardUnavailableException(shard.Name, DefaultRetryAfter, ex);
        }
    }
}
