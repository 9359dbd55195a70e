namespace Scalable.Sharding;

/// <summary>A range of Ketama key hashes (first four bytes of the key's MD5, little-endian) whose owner changes between two topologies.</summary>
/// <param name="Start">The first key hash of the range.</param>
/// <param name="End">The last key hash of the range (inclusive).</param>
/// <param name="From">The owner's name in the old topology.</param>
/// <param name="To">The owner's name in the new topology.</param>
public sealed record HashRangeMove(uint Start, uint End, string From, string To);
