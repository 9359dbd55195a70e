using System.Diagnostics;

namespace Scalable.Sharding.Internal;

internal static class ShardingTelemetry
{
    public const string Name = "Scalable.Sharding";

    public static readonly ActivitySource ActivitySource = new(Name);
}
