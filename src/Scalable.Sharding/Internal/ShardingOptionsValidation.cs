using Npgsql;

namespace Scalable.Sharding.Internal;

internal static class ShardingOptionsValidation
{
    public static IEnumerable<string> Errors(ScalableShardingOptions options)
    {
        const string Prefix = "ScalableShardingOptions.";
        if (!Enum.IsDefined(options.Router))
        {
            yield return $"{Prefix}Router: '{options.Router}' is not a known router kind (HashRing, Ketama, JumpHash, Rendezvous).";
        }

        if (options.PointsPerWeight < 1)
        {
            yield return $"{Prefix}PointsPerWeight must be at least 1 (was {options.PointsPerWeight}).";
        }

        if (options.ScatterGatherParallelism < 1)
        {
            yield return $"{Prefix}ScatterGatherParallelism must be at least 1 (was {options.ScatterGatherParallelism}).";
        }

        if (options.ShardTimeout <= TimeSpan.Zero)
        {
            yield return $"{Prefix}ShardTimeout must be positive (was {options.ShardTimeout}).";
        }

        foreach (var error in Replicas.ReplicaReadOptionsValidation.Errors(options.ReplicaReads))
        {
            yield return error;
        }

        if (options.MoveRefreshInterval <= TimeSpan.Zero)
        {
            yield return $"{Prefix}MoveRefreshInterval must be positive (was {options.MoveRefreshInterval}).";
        }

        if (options.MoveFenceWait <= TimeSpan.Zero)
        {
            yield return $"{Prefix}MoveFenceWait must be positive (was {options.MoveFenceWait}).";
        }

        if (options.Shards.Count == 0)
        {
            yield return $"{Prefix}Shards must list at least one shard (it is empty).";
            yield break;
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < options.Shards.Count; i++)
        {
            foreach (var error in ShardErrors(options, i, names))
            {
                yield return $"{Prefix}Shards[{i}].{error}";
            }
        }
    }

    private static IEnumerable<string> ShardErrors(ScalableShardingOptions options, int index, HashSet<string> names)
    {
        var shard = options.Shards[index];
        if (shard is null)
        {
            yield return "is null.";
            yield break;
        }

        if (string.IsNullOrWhiteSpace(shard.Name))
        {
            yield return "Name is required.";
        }
        else if (!names.Add(shard.Name))
        {
            yield return $"Name '{shard.Name}' is a duplicate; shard names must be unique.";
        }

        if (!(shard.Weight > 0) || double.IsInfinity(shard.Weight))
        {
            yield return $"Weight must be a positive number (was {shard.Weight}).";
        }
        else if (options.Router == ShardRouterKind.JumpHash && shard.Weight != 1.0)
        {
            yield return $"Weight must be 1 with Router JumpHash, which does not support weights (was {shard.Weight}).";
        }

        if (ConnectionStringError(shard.ConnectionString) is { } error)
        {
            yield return $"ConnectionString {error}";
        }

        for (var r = 0; r < shard.ReadReplicas.Count; r++)
        {
            if (ConnectionStringError(shard.ReadReplicas[r]) is { } replicaError)
            {
                yield return $"ReadReplicas[{r}] {replicaError}";
            }
        }
    }

    private static string? ConnectionStringError(string? connectionString)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            return "is required.";
        }

        try
        {
            _ = new NpgsqlConnectionStringBuilder(connectionString);
            return null;
        }
        catch (ArgumentException ex)
        {
            return $"is not a valid Npgsql connection string: {ex.Message}";
        }
    }
}
