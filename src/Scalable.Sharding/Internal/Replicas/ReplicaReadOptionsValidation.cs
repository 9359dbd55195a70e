namespace Scalable.Sharding.Internal.Replicas;

internal static class ReplicaReadOptionsValidation
{
    public static IEnumerable<string> Errors(ReplicaReadOptions? options)
    {
        const string Prefix = "ScalableShardingOptions.ReplicaReads.";
        if (options is null)
        {
            yield return $"{Prefix[..^1]} is null.";
            yield break;
        }

        if (options.MaxLag <= TimeSpan.Zero)
        {
            yield return $"{Prefix}MaxLag must be positive (was {options.MaxLag}).";
        }

        if (options.LagProbeInterval <= TimeSpan.Zero)
        {
            yield return $"{Prefix}LagProbeInterval must be positive (was {options.LagProbeInterval}).";
        }

        if (options.ReadYourWritesWait < TimeSpan.Zero)
        {
            yield return $"{Prefix}ReadYourWritesWait must be zero or positive (was {options.ReadYourWritesWait}).";
        }
    }
}
