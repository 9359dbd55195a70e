using Scalable.TestSupport;

namespace Scalable.Sharding.Tests.Replicas;

/// <summary>The replica tests that share one primary with two standbys; they run one after another, and each leaves the standbys streaming.</summary>
[CollectionDefinition(Name)]
public sealed class ReplicationCollection : ICollectionFixture<PostgresReplicationFixture>
{
    public const string Name = "Replication";
}
