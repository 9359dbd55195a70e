namespace Scalable.Caching;

/// <summary>Options for Scalable.Caching.</summary>
public sealed class ScalableCachingOptions
{
}
