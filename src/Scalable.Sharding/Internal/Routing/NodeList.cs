namespace Scalable.Sharding.Internal.Routing;

internal static class NodeList
{
    public static ShardNode[] Validate(IEnumerable<ShardNode> nodes, string paramName)
    {
        ArgumentNullException.ThrowIfNull(nodes, paramName);
        var list = nodes.ToArray();
        if (list.Length == 0)
        {
            throw new ArgumentException("A router needs at least one shard; the shard list is empty.", paramName);
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var node in list)
        {
            if (string.IsNullOrWhiteSpace(node.Name))
            {
                throw new ArgumentException("Every shard needs a non-empty name.", paramName);
            }

            if (!names.Add(node.Name))
            {
                throw new ArgumentException($"The shard name '{node.Name}' appears more than once; shard names must be unique.", paramName);
            }

            if (!(node.Weight > 0) || double.IsInfinity(node.Weight))
            {
                throw new ArgumentException($"The shard '{node.Name}' has weight {node.Weight}; weights must be positive finite numbers.", paramName);
            }
        }

        return list;
    }
}
