using System.Globalization;
using Microsoft.AspNetCore.Diagnostics;

namespace Scalable.Samples.UsersApi;

/// <summary>Turns the exceptions the API expects (a shard that cannot be reached, a request that cannot be read) into problem details; anything else stays a 500 problem.</summary>
internal sealed class ProblemExceptionHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is BadHttpRequestException badRequest)
        {
            // Malformed JSON, a body over the limit: thrown rather than answered when RouteHandlerOptions.ThrowOnBadRequest is set (Development).
            httpContext.Response.StatusCode = badRequest.StatusCode;
            return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = { Status = badRequest.StatusCode, Detail = badRequest.Message } });
        }

        if (exception is not ShardUnavailableException unavailable)
        {
            return false;
        }

        var seconds = Math.Max(1, (int)Math.Ceiling(unavailable.RetryAfter.TotalSeconds));
        httpContext.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        httpContext.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails =
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = "The shard holding this data is unavailable.",
                Detail = $"Shard {unavailable.Shard} cannot be reached now; other users are not affected. Retry after {seconds} s.",
                Extensions = { ["shard"] = unavailable.Shard, ["retryAfterSeconds"] = seconds },
            },
        });
    }
}
