namespace Scalable.Resilience.Internal;

// Registered once by AddScalableResilience so that calling it again does not add the configured pipelines twice.
internal sealed class ScalablePipelinesMarker;
