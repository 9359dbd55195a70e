namespace Scalable.Sharding;

/// <summary>Thrown when a copied batch does not match its source (row count or checksum); nothing of that batch is committed on the target and nothing is deleted at the source.</summary>
public sealed class ReshardingVerificationException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ReshardingVerificationException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What did not match.</param>
    public ReshardingVerificationException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">What did not match.</param>
    /// <param name="innerException">The cause.</param>
    public ReshardingVerificationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
