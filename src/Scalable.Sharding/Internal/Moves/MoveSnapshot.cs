namespace Scalable.Sharding.Internal.Moves;

// One process's view of the move that is changing the topology, if any.
internal sealed record MoveSnapshot(string MoveId, ShardTopology From, ShardTopology To, ShardMovePhase Phase)
{
    public bool IsSwitched => Phase >= ShardMovePhase.Switched;

    // Keys route by the old topology until the switch, by the new one after it.
    public static ShardTopology Routing(MoveSnapshot? move, ShardTopology configured) =>
        move is { IsSwitched: true } && move.To.Version > configured.Version ? move.To : configured;
}
