namespace Scalable.Messaging.Internal;

// Marks that an outbox of this name was registered, so its relay host is added once.
internal sealed record OutboxRegistration(string Name);
