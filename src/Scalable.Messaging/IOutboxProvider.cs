namespace Scalable.Messaging;

/// <summary>Gives the outboxes registered with AddScalableMessaging, by name (one per shard database, for example).</summary>
public interface IOutboxProvider
{
    /// <summary>Gets the names of the registered outboxes (the default outbox's name is empty).</summary>
    IReadOnlyCollection<string> Names { get; }

    /// <summary>Gets a registered outbox by name.</summary>
    /// <param name="name">The name given to AddOutbox, or empty for the default outbox.</param>
    /// <returns>The outbox.</returns>
    /// <exception cref="ArgumentException">No outbox has that name.</exception>
    Outbox GetOutbox(string name);
}
