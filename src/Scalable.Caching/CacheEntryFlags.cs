namespace Scalable.Caching;

/// <summary>Per-call switches that leave out a level of the cache, like HybridCache's <c>DisableLocalCache*</c> flags; the flags of the call that starts a computation apply to it.</summary>
[Flags]
public enum CacheEntryFlags
{
    /// <summary>Every level is read and written.</summary>
    None = 0,

    /// <summary>L1 is not read: the value comes from L2 or the factory.</summary>
    SkipL1Read = 1,

    /// <summary>L1 is not written: the value is not kept in this process.</summary>
    SkipL1Write = 2,

    /// <summary>L1 is neither read nor written.</summary>
    SkipL1 = SkipL1Read | SkipL1Write,

    /// <summary>L2 is not read (nor the fleet-wide lease taken): on an L1 miss the factory runs here.</summary>
    SkipL2Read = 4,

    /// <summary>L2 is not written and no notice is sent: the value stays in this process.</summary>
    SkipL2Write = 8,

    /// <summary>L2 is neither read nor written: the call behaves as an L1-only cache.</summary>
    SkipL2 = SkipL2Read | SkipL2Write,
}
