using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Polly.Registry;

namespace Scalable.Resilience.Internal;

// Creates the registry and registers one builder per configured pipeline; pipelines are built on first use.
internal static class PipelineRegistryFactory
{
    public static ResiliencePipelineRegistry<string> Create(IServiceProvider services)
    {
        var options = services.GetRequiredService<IOptions<ScalableResilienceOptions>>().Value;
        var timeProvider = services.GetService<TimeProvider>() ?? TimeProvider.System;
        var registry = new ResiliencePipelineRegistry<string>(new ResiliencePipelineRegistryOptions<string>
        {
            BuilderFactory = () => new Polly.ResiliencePipelineBuilder { TimeProvider = timeProvider },
        });

        foreach (var (name, pipeline) in options.Pipelines)
        {
            registry.TryAddBuilder(name, (builder, context) =>
                StandardPipelineConfigurator.Configure(builder, name, pipeline, services, context.OnPipelineDisposed));
        }

        return registry;
    }
}
