using Scalable.Caching;

namespace Scalable.Samples.UsersApi;

/// <summary>How long users stay cached (Sample:CacheSeconds, 300 by default) and for how long a stale copy may answer while the shard is down (one hour).</summary>
internal sealed class UserCacheOptions(IConfiguration configuration)
{
    public CacheEntryOptions Entry { get; } = new()
    {
        Duration = TimeSpan.FromSeconds(configuration.GetValue("Sample:CacheSeconds", 300)),
        FailSafeMaxDuration = TimeSpan.FromHours(1),
        FailSafeThrottleDuration = TimeSpan.FromSeconds(5),
        Tags = ["users"],
    };
}
