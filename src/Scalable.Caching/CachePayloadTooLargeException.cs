namespace Scalable.Caching;

/// <summary>Thrown when a serialized value is larger than <see cref="ScalableCachingOptions.MaximumPayloadBytes"/>; the value is not cached.</summary>
public sealed class CachePayloadTooLargeException : InvalidOperationException
{
    /// <summary>Creates the exception with a default message.</summary>
    public CachePayloadTooLargeException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">The message.</param>
    public CachePayloadTooLargeException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the exception that caused it.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public CachePayloadTooLargeException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
