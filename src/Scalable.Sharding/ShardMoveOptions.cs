namespace Scalable.Sharding;

/// <summary>Settings of a <see cref="ShardMove"/>.</summary>
public sealed class ShardMoveOptions
{
    /// <summary>Gets or sets how many keys are scanned per page and copied per verified batch. <value>Default: 1000.</value></summary>
    public int BatchSize { get; set; } = 1000;

    /// <summary>Gets or sets how long the cutover waits for in-flight writes to moving keys before it gives up and tries again after more catch-up. <value>Default: 5 seconds.</value></summary>
    public TimeSpan CutoverLockTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Gets or sets how long the mover waits, after announcing a move and after switching it, before relying on every process having seen it; keep it above the applications' <see cref="ScalableShardingOptions.MoveRefreshInterval"/> plus their longest write. <value>Default: 3 seconds.</value></summary>
    public TimeSpan ProcessRefreshWait { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>Gets or sets how many rows of captured changes may remain before the cutover fences writes (the fence copies the rest). <value>Default: 200.</value></summary>
    public int CutoverBacklog { get; set; } = 200;
}
