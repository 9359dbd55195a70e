namespace Scalable.Messaging;

/// <summary>What the schema step does when a host starts.</summary>
public enum OutboxSchemaMode
{
    /// <summary>Migrates in processes that run relays (<see cref="ScalableMessagingOptions.RelayCount"/> above 0) and only checks in the others.</summary>
    Auto,

    /// <summary>Applies the missing schema versions; when the schema is current, only reads its version row (no DDL, no table lock).</summary>
    Apply,

    /// <summary>Only reads the version row and checks the bucket count; never changes the database.</summary>
    Verify,
}
