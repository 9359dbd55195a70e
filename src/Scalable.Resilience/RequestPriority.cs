namespace Scalable.Resilience;

/// <summary>The priority of a request at an <see cref="AdaptiveConcurrencyLimiter"/>: critical requests may use the reserved share of the limit, normal ones may not.</summary>
public enum RequestPriority
{
    /// <summary>Ordinary traffic; shed first when the limit is reached.</summary>
    Normal,

    /// <summary>Traffic that must get through (health checks, payments); may use the whole limit, including the reserved share.</summary>
    Critical,
}
