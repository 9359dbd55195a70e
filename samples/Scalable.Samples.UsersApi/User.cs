namespace Scalable.Samples.UsersApi;

/// <summary>A stored user.</summary>
/// <param name="Id">The user id, which is also the sharding key.</param>
/// <param name="Name">The display name.</param>
/// <param name="Email">The e-mail address.</param>
/// <param name="Shard">The shard that holds the user.</param>
public sealed record User(Guid Id, string Name, string Email, string Shard);

/// <summary>The body of a create or update request.</summary>
/// <param name="Name">The display name.</param>
/// <param name="Email">The e-mail address.</param>
public sealed record UserInput(string? Name, string? Email);

/// <summary>The event published to Kafka (through the outbox) when a user is created or changed.</summary>
/// <param name="Type">"created" or "updated".</param>
/// <param name="UserId">The user id.</param>
/// <param name="Name">The display name after the change.</param>
/// <param name="Email">The e-mail address after the change.</param>
public sealed record UserEvent(string Type, Guid UserId, string Name, string Email);

/// <summary>An event as the audit consumer recorded it.</summary>
/// <param name="MessageId">The outbox message id.</param>
/// <param name="Type">The event type.</param>
/// <param name="UserId">The user id.</param>
/// <param name="ReceivedAt">When the consumer processed it.</param>
public sealed record AuditedEvent(Guid MessageId, string Type, Guid UserId, DateTimeOffset ReceivedAt);
