namespace Scalable.Sharding;

/// <summary>One verified batch that a <see cref="ReshardingMover"/> moved.</summary>
/// <param name="Table">The table.</param>
/// <param name="Source">The shard the rows left.</param>
/// <param name="Target">The shard the rows now live on.</param>
/// <param name="Rows">How many rows moved.</param>
public sealed record ReshardingBatch(string Table, string Source, string Target, int Rows);
