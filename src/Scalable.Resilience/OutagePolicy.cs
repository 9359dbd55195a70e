namespace Scalable.Resilience;

/// <summary>What a Redis-backed limiter decides while Redis cannot be reached.</summary>
public enum OutagePolicy
{
    /// <summary>Grant every request: availability over protection.</summary>
    FailOpen,

    /// <summary>Reject every request, with the probe interval as Retry-After: protection over availability.</summary>
    FailClosed,

    /// <summary>Decide with a local limiter of the same kind that allows this instance a share of the limit (<see cref="RedisRateLimiterOptions.FallbackShare"/>).</summary>
    LocalFallback,
}
