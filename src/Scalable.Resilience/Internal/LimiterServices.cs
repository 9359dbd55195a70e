using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Scalable.Resilience.Internal;

// What a limiter takes from the host rather than from its options: the clock, logging and the package's instruments.
// OwnsMetrics: instruments made for this limiter alone (no container), disposed with it.
internal sealed record LimiterServices(TimeProvider Time, ILoggerFactory? LoggerFactory, ResilienceMetrics Metrics, bool OwnsMetrics)
{
    public static LimiterServices From(IServiceProvider services) => new(
        services.GetService<TimeProvider>() ?? TimeProvider.System,
        services.GetService<ILoggerFactory>(),
        services.GetRequiredService<ResilienceMetrics>(),
        OwnsMetrics: false);
}
