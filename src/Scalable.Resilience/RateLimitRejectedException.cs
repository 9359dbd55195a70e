using Polly;

namespace Scalable.Resilience;

/// <summary>Thrown by a rate-limited pipeline when the limiter refuses a permit; says when to try again if the limiter knows.</summary>
public sealed class RateLimitRejectedException : ExecutionRejectedException
{
    /// <summary>Creates the exception without a retry hint.</summary>
    public RateLimitRejectedException()
        : this(retryAfter: null)
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">The message.</param>
    public RateLimitRejectedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and an inner exception.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The inner exception.</param>
    public RateLimitRejectedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with the delay after which a permit may be available.</summary>
    /// <param name="retryAfter">The delay the limiter suggested, or null if it gave none.</param>
    public RateLimitRejectedException(TimeSpan? retryAfter)
        : base(retryAfter is { } delay
            ? $"The rate limiter rejected the execution; retry after {delay.TotalMilliseconds:0} ms."
            : "The rate limiter rejected the execution.")
        => RetryAfter = retryAfter;

    /// <summary>Gets the delay after which a permit may be available (the Retry-After hint), or null if unknown.</summary>
    public TimeSpan? RetryAfter { get; }
}
