namespace Scalable.Resilience;

/// <summary>Options for Scalable.Resilience.</summary>
public sealed class ScalableResilienceOptions
{
}
