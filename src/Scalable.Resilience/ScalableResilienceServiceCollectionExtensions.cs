using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Polly.Registry;
using Scalable.Resilience;
using Scalable.Resilience.Internal;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers Scalable.Resilience in a service collection.</summary>
public static class ScalableResilienceServiceCollectionExtensions
{
    /// <summary>Adds the pipeline registry (<see cref="ResiliencePipelineRegistry{TKey}"/> and <see cref="ResiliencePipelineProvider{TKey}"/> keyed by name) with option validation at start.</summary>
    /// <param name="services">The service collection to add to.</param>
    /// <returns>A builder for pipelines, named limiters and Redis.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> is null.</exception>
    public static ScalableResilienceBuilder AddScalableResilience(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<ScalableResilienceOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ScalableResilienceOptions>, ScalableResilienceOptionsValidator>());
        services.TryAddSingleton(PipelineRegistryFactory.Create);
        services.TryAddSingleton<ResiliencePipelineProvider<string>>(provider => provider.GetRequiredService<ResiliencePipelineRegistry<string>>());
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
