namespace Scalable.Sharding;

/// <summary>Settings of a <see cref="ReshardingMover"/>.</summary>
public sealed class ReshardingOptions
{
    /// <summary>Gets or sets how many keys are scanned per page, which bounds the rows moved per batch. <value>Default: 1000.</value></summary>
    public int BatchSize { get; set; } = 1000;

    /// <summary>Gets or sets the table, created on each source shard, that records how far a move has come. <value>Default: scalable_resharding_progress.</value></summary>
    public string ProgressTable { get; set; } = "scalable_resharding_progress";

    /// <summary>Gets or sets what happens when a moving key already has a row on its new owner. <value>Default: <see cref="ExistingTargetRows.Replace"/>.</value></summary>
    public ExistingTargetRows ExistingTargetRows { get; set; } = ExistingTargetRows.Replace;
}
