using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Scalable.Samples.UsersApi;

/// <summary>Unhealthy from the moment the host starts stopping, so load balancers take the instance out before it closes.</summary>
internal sealed class DrainingHealthCheck(IHostApplicationLifetime lifetime) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        => Task.FromResult(lifetime.ApplicationStopping.IsCancellationRequested
            ? HealthCheckResult.Unhealthy("The instance is shutting down.")
            : HealthCheckResult.Healthy("Serving."));
}
