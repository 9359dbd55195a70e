namespace Scalable.Sharding;

/// <summary>What the resharding mover does when a moving key already has a row on its new owner.</summary>
public enum ExistingTargetRows
{
    /// <summary>Replace it with the source row. Right when writers keep using the old topology until the move ends (the row on the target can only be a copy left by an interrupted earlier run).</summary>
    Replace = 0,

    /// <summary>Keep it and delete the source row without copying. Right when writers switched to the new topology before the move, so a row on the new owner is newer than the source's.</summary>
    Keep = 1,
}
