namespace Scalable.TestSupport;

/// <summary>Thrown when a test server cannot be started; the message says what to install or set.</summary>
public sealed class ServerUnavailableException : Exception
{
    /// <summary>Creates the exception with a message that says what to install or set.</summary>
    /// <param name="message">What failed and how to fix it.</param>
    /// <param name="innerException">The underlying failure, if any.</param>
    public ServerUnavailableException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
