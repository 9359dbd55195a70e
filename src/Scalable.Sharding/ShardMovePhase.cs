namespace Scalable.Sharding;

/// <summary>The steps of a <see cref="ShardMove"/>, in order; every <see cref="ShardedDatabase"/> routes by the phase recorded on the first shard.</summary>
public enum ShardMovePhase
{
    /// <summary>Rows of the moving keys are copied to their new owners while the application keeps writing to the old ones; changes are captured and caught up.</summary>
    Copying = 0,

    /// <summary>Writes to moving keys are briefly fenced while the last changes are copied.</summary>
    Cutover = 1,

    /// <summary>Moving keys route to their new owners in every process; the old copies are being removed from the sources.</summary>
    Switched = 2,

    /// <summary>The move is done: every moved row lives only on its new owner.</summary>
    Completed = 3,
}
