namespace Scalable.TestSupport;

/// <summary>Kafka protocol request types that the mock cluster can be told to fail.</summary>
public enum KafkaApiKey : short
{
    /// <summary>Produce requests.</summary>
    Produce = 0,

    /// <summary>Fetch requests.</summary>
    Fetch = 1,

    /// <summary>Metadata requests.</summary>
    Metadata = 3,

    /// <summary>OffsetCommit requests.</summary>
    OffsetCommit = 8,

    /// <summary>InitProducerId requests (idempotent producers).</summary>
    InitProducerId = 22,
}
