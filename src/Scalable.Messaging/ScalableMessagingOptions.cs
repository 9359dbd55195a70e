using Confluent.Kafka;
using Npgsql;

namespace Scalable.Messaging;

/// <summary>Options of one outbox: its database, its tables, its Kafka producer and its relay.</summary>
public sealed class ScalableMessagingOptions
{
    /// <summary>Gets or sets the connection string of the database that holds the outbox; <value>null</value> by default (set this or <see cref="DataSource"/>).</summary>
    public string? ConnectionString { get; set; }

    /// <summary>Gets or sets the data source of the database that holds the outbox; <value>null</value> by default (wins over <see cref="ConnectionString"/>).</summary>
    public NpgsqlDataSource? DataSource { get; set; }

    /// <summary>Gets or sets the PostgreSQL schema of the outbox tables; <value>scalable</value> by default (lower-case letters, digits and underscores).</summary>
    public string Schema { get; set; } = "scalable";

    /// <summary>Gets or sets the start of the table names (outbox, dead letters, held keys, processed messages); <value>outbox</value> by default.</summary>
    public string TablePrefix { get; set; } = "outbox";

    /// <summary>Gets or sets whether host start runs the schema step at all (what it does is set by <see cref="SchemaMode"/>); <value>true</value> by default.</summary>
    public bool CreateSchemaOnStart { get; set; } = true;

    /// <summary>Gets or sets what the schema step at host start does; <value>Auto</value> by default (migrate in processes that run relays, only check elsewhere).</summary>
    public OutboxSchemaMode SchemaMode { get; set; } = OutboxSchemaMode.Auto;

    /// <summary>Gets or sets how long a migration waits for a table lock before it gives up and retries later (PostgreSQL <c>lock_timeout</c>); <value>5 seconds</value> by default.</summary>
    public TimeSpan SchemaLockTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Gets or sets whether each enqueuing transaction sends a NOTIFY that wakes idle relays at once; <value>true</value> by default (false: relays find new rows by polling).</summary>
    public bool NotifyOnEnqueue { get; set; } = true;

    /// <summary>Gets or sets the Kafka producer settings; idempotence and acks=all are always enforced by the relay.</summary>
    public ProducerConfig Producer { get; set; } = new();

    /// <summary>Gets or sets the largest payload accepted by enqueue, in bytes; <value>900,000</value> by default (it must stay below the producer's <c>message.max.bytes</c>).</summary>
    public int MaxPayloadBytes { get; set; } = 900_000;

    /// <summary>Gets or sets how many key buckets rows are spread over; <value>64</value> by default; it is stored with the schema, and a host with another value fails at start.</summary>
    public int BucketCount { get; set; } = 64;

    /// <summary>Gets or sets how many buckets a relay locks per claim step (it claims more steps until its batch is full); <value>16</value> by default (at most <see cref="BucketCount"/>).</summary>
    public int BucketsPerClaim { get; set; } = 16;

    /// <summary>Gets or sets the most messages a relay reads and publishes per batch; <value>1000</value> by default.</summary>
    public int BatchSize { get; set; } = 1000;

    /// <summary>Gets or sets how many relay loops this process runs for the outbox; <value>1</value> by default (0 runs none: enqueue only).</summary>
    public int RelayCount { get; set; } = 1;

    /// <summary>Gets or sets how often an idle relay looks for work when no notification arrives; <value>1 second</value> by default.</summary>
    public TimeSpan PollingInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Gets or sets how many publish attempts a message gets before it is dead-lettered; <value>10</value> by default.</summary>
    public int MaxAttempts { get; set; } = 10;

    /// <summary>Gets or sets the delay before the first retry, doubled per attempt with jitter; <value>1 second</value> by default.</summary>
    public TimeSpan InitialRetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Gets or sets the longest delay between retries; <value>5 minutes</value> by default.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Gets or sets whether later messages of a dead-lettered message's key wait until the key is released; <value>false</value> by default (they flow on).</summary>
    public bool HoldKeyAfterDeadLetter { get; set; }

    /// <summary>Gets or sets how often the pending count and the age of the oldest pending message are sampled for metrics; <value>5 seconds</value> by default.</summary>
    public TimeSpan MetricsInterval { get; set; } = TimeSpan.FromSeconds(5);
}
