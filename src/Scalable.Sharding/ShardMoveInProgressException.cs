namespace Scalable.Sharding;

/// <summary>Thrown when a write to a moving key waited longer than <see cref="ScalableShardingOptions.MoveFenceWait"/> for a move's cutover; nothing was written, and the write can be retried.</summary>
public sealed class ShardMoveInProgressException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="moveId">The move whose cutover fenced the write.</param>
    /// <param name="message">The message.</param>
    public ShardMoveInProgressException(string moveId, string message)
        : base(message)
    {
        MoveId = moveId;
    }

    /// <summary>Gets the move whose cutover fenced the write.</summary>
    public string MoveId { get; }
}
