using System.Threading.RateLimiting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Scalable.Resilience;

/// <summary>Adds the optional parts of Scalable.Resilience: more pipelines, named rate limiters and Redis for shared breaker state.</summary>
public sealed class ScalableResilienceBuilder
{
    internal ScalableResilienceBuilder(IServiceCollection services) => Services = services;

    /// <summary>Gets the service collection being configured.</summary>
    public IServiceCollection Services { get; }

    /// <summary>Adds (or changes) a standard pipeline; settings from configuration are applied first, this callback after them.</summary>
    /// <param name="name">The pipeline name used with the registry.</param>
    /// <param name="configure">Changes the preset's settings, or null to keep the defaults.</param>
    /// <returns>The same builder.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> is null or empty.</exception>
    public ScalableResilienceBuilder AddPipeline(string name, Action<StandardPipelineOptions>? configure = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        Services.PostConfigure<ScalableResilienceOptions>(options =>
        {
            if (!options.Pipelines.TryGetValue(name, out var pipeline))
            {
                pipeline = new StandardPipelineOptions();
                options.Pipelines[name] = pipeline;
            }

            configure?.Invoke(pipeline);
        });
        return this;
    }

    /// <summary>Registers a rate limiter under a name, for pipelines whose <see cref="StandardRateLimitOptions.LimiterName"/> names it (and as a keyed <see cref="RateLimiter"/> service).</summary>
    /// <param name="name">The limiter name.</param>
    /// <param name="factory">Creates the limiter once; the container disposes it.</param>
    /// <returns>The same builder.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> is null or empty.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="factory"/> is null.</exception>
    public ScalableResilienceBuilder AddRateLimiter(string name, Func<IServiceProvider, RateLimiter> factory)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(factory);
        Services.TryAddKeyedSingleton(name, (services, _) => factory(services));
        return this;
    }

    /// <summary>Names the Redis connection used for breaker state shared across instances (<see cref="StandardCircuitBreakerOptions.SharedName"/>).</summary>
    /// <param name="connection">Returns the connection; called once.</param>
    /// <returns>The same builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="connection"/> is null.</exception>
    public ScalableResilienceBuilder UseRedis(Func<IServiceProvider, IConnectionMultiplexer> connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        Services.TryAddSingleton(services =>
        {
            var redis = new Lazy<IConnectionMultiplexer>(() => connection(services));
            return new SharedCircuitBreakers(() => redis.Value, services.GetService<TimeProvider>() ?? TimeProvider.System, services.GetService<ILoggerFactory>());
        });
        return this;
    }
}
