namespace Scalable.Messaging;

/// <summary>Options for Scalable.Messaging.</summary>
public sealed class ScalableMessagingOptions
{
}
