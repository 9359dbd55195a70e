namespace Scalable.Resilience.Tests;

/// <summary>Tests that count what limiters admit over wall time; they run after the others, not beside them, so a busy machine does not starve them.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SaturationCollection
{
    /// <summary>The collection name.</summary>
    public const string Name = "Saturation";
}
