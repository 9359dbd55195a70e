using System.Diagnostics.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Registry;
using Scalable.Resilience;
using Scalable.Resilience.Internal;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers Scalable.Resilience in a service collection.</summary>
public static class ScalableResilienceServiceCollectionExtensions
{
    /// <summary>Adds the configured standard pipelines to Polly.Extensions' registry (the <see cref="ResiliencePipelineRegistry{TKey}"/> and <see cref="ResiliencePipelineProvider{TKey}"/> keyed by name that <c>AddResiliencePipeline</c> also fills), with option validation at start.</summary>
    /// <param name="services">The service collection to add to.</param>
    /// <returns>A builder for pipelines, named limiters and Redis.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> is null.</exception>
    public static ScalableResilienceBuilder AddScalableResilience(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<ScalableResilienceOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ScalableResilienceOptions>, ScalableResilienceOptionsValidator>());
        services.TryAddSingleton(provider => new ResilienceMetrics(provider.GetService<IMeterFactory>()));
        if (!services.Any(descriptor => descriptor.ServiceType == typeof(ScalablePipelinesMarker)))
        {
            // Once per container: the pipelines named in the options (code or configuration) go into Polly's one registry,
            // with Polly's telemetry, next to the pipelines added with AddResiliencePipeline.
            services.AddSingleton<ScalablePipelinesMarker>();
            services.AddResiliencePipelines<string>(context =>
            {
                var options = context.ServiceProvider.GetRequiredService<IOptions<ScalableResilienceOptions>>().Value;
                foreach (var (name, pipeline) in options.Pipelines)
                {
                    context.AddResiliencePipeline(name, (builder, pipelineContext) =>
                        StandardPipelineConfigurator.Configure(builder, name, pipeline, pipelineContext.ServiceProvider, pipelineContext.OnPipelineDisposed));
                }
            });
        }

        return new ScalableResilienceBuilder(services);
    }

    /// <summary>Adds Scalable.Resilience and configures its options in code.</summary>
    /// <param name="services">The service collection to add to.</param>
    /// <param name="configure">Sets the options.</param>
    /// <returns>A builder for pipelines, named limiters and Redis.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> or <paramref name="configure"/> is null.</exception>
    public static ScalableResilienceBuilder AddScalableResilience(this IServiceCollection services, Action<ScalableResilienceOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var builder = services.AddScalableResilience();
        services.Configure(configure);
        return builder;
    }

    /// <summary>Adds Scalable.Resilience with options bound from configuration (a "Pipelines" section with one child per pipeline).</summary>
    /// <param name="services">The service collection to add to.</param>
    /// <param name="configuration">The configuration section to bind.</param>
    /// <returns>A builder for pipelines, named limiters and Redis.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> or <paramref name="configuration"/> is null.</exception>
    public static ScalableResilienceBuilder AddScalableResilience(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var builder = services.AddScalableResilience();
        services.Configure<ScalableResilienceOptions>(configuration);
        return builder;
    }
}
