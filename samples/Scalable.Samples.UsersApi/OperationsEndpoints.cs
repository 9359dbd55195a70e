using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Scalar.AspNetCore;

namespace Scalable.Samples.UsersApi;

/// <summary>What operators and tools use: health probes, Prometheus metrics, the OpenAPI document and its browsable reference.</summary>
internal static class OperationsEndpoints
{
    public const string ReadyTag = "ready";

    public static void MapOperations(this WebApplication app)
    {
        // Liveness asks nothing outside the process: a dependency outage must not get every instance restarted.
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteAsync }).DisableRateLimiting();

        // Readiness lists Redis, every shard, Kafka and the outbox lag. A shared dependency that fails reports Degraded (200):
        // it fails every instance alike, and taking all of them out of the load balancer would turn one shard's outage into a
        // full one. Only a draining instance is Unhealthy (503), so the load balancer stops sending it new requests.
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = r => r.Tags.Contains(ReadyTag), ResponseWriter = WriteAsync }).DisableRateLimiting();
        app.MapPrometheusScrapingEndpoint("/metrics").DisableRateLimiting();
        app.MapOpenApi().DisableRateLimiting();
        app.MapScalarApiReference().DisableRateLimiting();
    }

    private static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        return JsonSerializer.SerializeAsync(
            context.Response.Body,
            new
            {
                status = report.Status.ToString(),
                checks = report.Entries.ToDictionary(
                    e => e.Key,
                    e => new { status = e.Value.Status.ToString(), description = e.Value.Description, data = e.Value.Data.ToDictionary(d => d.Key, d => d.Value.ToString()) }),
            },
            cancellationToken: context.RequestAborted);
    }
}
