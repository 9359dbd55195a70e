using System.Globalization;
using Microsoft.AspNetCore.Diagnostics;
using Scalable.Sharding;

namespace Scalable.Samples.UsersApi;

/// <summary>Turns the exceptions the API expects (a shard that cannot be reached, a write at a shard move's cutover, a request that cannot be read) into problem details; anything else stays a 500 problem.</summary>
internal sealed class ProblemExceptionHandler(IProblemDetailsService problems) : IExceptionHandler
{
    // A move's cutover lasts well under a second; the write may be sent again right away.
    private const int MoveRetryAfterSeconds = 1;

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is BadHttpRequestException badRequest)
        {
            // Malformed JSON, a body over the limit: thrown rather than answered when RouteHandlerOptions.ThrowOnBadRequest is set (Development).
            httpContext.Response.StatusCode = badRequest.StatusCode;
            return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = { Status = badRequest.StatusCode, Detail = badRequest.Message } });
        }

        if (exception is ShardMoveInProgressException moving)
        {
            return await ServiceUnavailableAsync(
                httpContext,
                exception,
                MoveRetryAfterSeconds,
                "The user is being moved to another shard.",
                $"The write waited for the move's cutover and changed nothing. Retry after {MoveRetryAfterSeconds} s.",
                ("moveId", moving.MoveId));
        }

        if (exception is not ShardUnavailableException unavailable)
        {
            return false;
        }

        var seconds = Math.Max(1, (int)Math.Ceiling(unavailable.RetryAfter.TotalSeconds));
        return await ServiceUnavailableAsync(
            httpContext,
            exception,
            seconds,
            "The shard holding this data is unavailable.",
            $"Shard {unavailable.Shard} cannot be reached now; other users are not affected. Retry after {seconds} s.",
            ("shard", unavailable.Shard));
    }

    private async ValueTask<bool> ServiceUnavailableAsync(HttpContext httpContext, Exception exception, int seconds, string title, string detail, (string Name, string Value) extension)
    {
        httpContext.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        httpContext.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails =
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = title,
                Detail = detail,
                Extensions = { [extension.Name] = extension.Value, ["retryAfterSeconds"] = seconds },
            },
        });
    }
}
