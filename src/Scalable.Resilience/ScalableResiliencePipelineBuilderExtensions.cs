using Polly.DependencyInjection;
using Scalable.Resilience;
using Scalable.Resilience.Internal;

namespace Polly;

/// <summary>Adds the Scalable standard preset (rate limiter, total timeout, retry, circuit breaker, attempt timeout) to a Polly pipeline builder.</summary>
public static class ScalableResiliencePipelineBuilderExtensions
{
    /// <summary>Adds the standard preset inside <c>services.AddResiliencePipeline(name, (builder, context) => builder.AddScalableStandard(context, ...))</c>, with named limiters and shared breakers from the container.</summary>
    /// <param name="builder">The pipeline builder.</param>
    /// <param name="context">The Polly.Extensions context of the pipeline being built.</param>
    /// <param name="configure">Changes the preset's settings, or null to keep the defaults.</param>
    /// <returns>The same builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> or <paramref name="context"/> is null.</exception>
    /// <exception cref="ArgumentException">A setting is out of range; the message names it.</exception>
    public static ResiliencePipelineBuilder AddScalableStandard(this ResiliencePipelineBuilder builder, AddResiliencePipelineContext<string> context, Action<StandardPipelineOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(context);
        var options = new StandardPipelineOptions();
        configure?.Invoke(options);
        Validate(context.PipelineKey, options);
        StandardPipelineConfigurator.Configure(builder, context.PipelineKey, options, context.ServiceProvider, context.OnPipelineDisposed);
        return builder;
    }

    /// <summary>Adds the standard preset to a builder outside a container; a named limiter or shared breaker needs <paramref name="services"/>.</summary>
    /// <param name="builder">The pipeline builder.</param>
    /// <param name="options">The preset's settings.</param>
    /// <param name="services">The services that hold named limiters and shared breakers, or null (the builder's own <see cref="ResiliencePipelineBuilderBase.TimeProvider"/> is used).</param>
    /// <returns>The same builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> or <paramref name="options"/> is null.</exception>
    /// <exception cref="ArgumentException">A setting is out of range; the message names it.</exception>
    public static ResiliencePipelineBuilder AddScalableStandard(this ResiliencePipelineBuilder builder, StandardPipelineOptions options, IServiceProvider? services = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(options);
        var name = builder.Name ?? "standard";
        Validate(name, options);
        StandardPipelineConfigurator.Configure(builder, name, options, services, onDisposed: null);
        return builder;
    }

    private static void Validate(string name, StandardPipelineOptions options)
    {
        var errors = new List<string>();
        ScalableResilienceOptionsValidator.Validate($"Pipelines:{name}", options, errors);
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", errors), nameof(options));
        }
    }
}
