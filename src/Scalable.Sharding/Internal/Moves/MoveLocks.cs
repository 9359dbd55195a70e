using System.Text;
using Scalable.Sharding.Internal.Routing;

namespace Scalable.Sharding.Internal.Moves;

// Advisory lock keys (the two-int form, apart from applications' bigint locks): one per move for the mover, one per
// move on each source shard for the write fence (writers take it shared, the cutover exclusive).
internal static class MoveLocks
{
    public const int MoverClass = 0x5CA1_0001;
    public const int FenceClass = 0x5CA1_0002;

    public static int Of(string moveId) => unchecked((int)XxHash64.Hash(Encoding.UTF8.GetBytes(moveId)));
}
