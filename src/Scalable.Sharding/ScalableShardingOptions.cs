namespace Scalable.Sharding;

/// <summary>Options for Scalable.Sharding.</summary>
public sealed class ScalableShardingOptions
{
}
