namespace Scalable.Messaging.Consuming;

// Marks a consumer name as taken in a service collection.
internal sealed record KafkaConsumerRegistration(string Name);
