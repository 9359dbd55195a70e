namespace Scalable.Resilience;

/// <summary>Options for Scalable.Resilience: the named pipelines the registry builds.</summary>
public sealed class ScalableResilienceOptions
{
    /// <summary>Gets the standard pipelines by name; each is built on first use from its <see cref="StandardPipelineOptions"/>.</summary>
    /// <value>Empty by default; bound from the "Pipelines" section when configuration is used.</value>
    public IDictionary<string, StandardPipelineOptions> Pipelines { get; } = new Dictionary<string, StandardPipelineOptions>(StringComparer.Ordinal);
}
