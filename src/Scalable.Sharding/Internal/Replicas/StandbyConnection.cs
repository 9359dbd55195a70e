using Npgsql;

namespace Scalable.Sharding.Internal.Replicas;

// An open connection to a standby, with the standby it came from (so a failed read can mark that standby down).
internal sealed record StandbyConnection(NpgsqlConnection Connection, ShardReplicas Replicas, StandbyState Standby);
