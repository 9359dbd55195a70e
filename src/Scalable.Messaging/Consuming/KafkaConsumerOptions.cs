using Confluent.Kafka;
using Npgsql;

namespace Scalable.Messaging;

/// <summary>Options of one hosted Kafka consumer: its group and topics, the database of its inbox, its retries and its dead letters.</summary>
public sealed class KafkaConsumerOptions
{
    /// <summary>Gets or sets the Kafka consumer settings; <c>BootstrapServers</c> and <see cref="ConsumerConfig.GroupId"/> are required, and offsets are always stored by the loop (auto offset store off).</summary>
    public ConsumerConfig Consumer { get; set; } = new();

    /// <summary>Gets or sets the topics to subscribe to; at least one is required.</summary>
    public IList<string> Topics { get; set; } = [];

    /// <summary>Gets or sets the connection string of the database that holds the inbox and the handler's effects; <value>null</value> by default (set this, <see cref="DataSource"/> or <see cref="ConnectionFactory"/>).</summary>
    public string? ConnectionString { get; set; }

    /// <summary>Gets or sets the data source of the database that holds the inbox and the handler's effects; <value>null</value> by default (wins over <see cref="ConnectionString"/>).</summary>
    public NpgsqlDataSource? DataSource { get; set; }

    /// <summary>Gets or sets a function that opens the connection for one message (for example to the message key's shard); <value>null</value> by default (wins over <see cref="DataSource"/>); it must choose the same database for every delivery of a message.</summary>
    public Func<IServiceProvider, ConsumedMessage, CancellationToken, ValueTask<NpgsqlConnection>>? ConnectionFactory { get; set; }

    /// <summary>Gets or sets the PostgreSQL schema of the inbox table (and of the dead-letter table); <value>scalable</value> by default.</summary>
    public string Schema { get; set; } = "scalable";

    /// <summary>Gets or sets the table prefix of the inbox table, as in <see cref="ScalableMessagingOptions.TablePrefix"/>; <value>outbox</value> by default.</summary>
    public string TablePrefix { get; set; } = "outbox";

    /// <summary>Gets or sets how many times the handler may fail on one message before it is dead-lettered; <value>5</value> by default.</summary>
    public int MaxAttempts { get; set; } = 5;

    /// <summary>Gets or sets the delay before a message is tried again, doubled per attempt with jitter; <value>1 second</value> by default.</summary>
    public TimeSpan InitialRetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Gets or sets the longest delay between tries of one message; <value>30 seconds</value> by default.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Gets or sets where a message goes after <see cref="MaxAttempts"/> handler failures; <value>Table</value> by default.</summary>
    public ConsumerDeadLetterTarget DeadLetterTarget { get; set; } = ConsumerDeadLetterTarget.Table;

    /// <summary>Gets or sets the dead-letter table, created in <see cref="Schema"/> when first needed; <value>consumer_dead_letters</value> by default.</summary>
    public string DeadLetterTable { get; set; } = "consumer_dead_letters";

    /// <summary>Gets or sets the dead-letter topic, required when <see cref="DeadLetterTarget"/> is <see cref="ConsumerDeadLetterTarget.Topic"/>; <value>null</value> by default.</summary>
    public string? DeadLetterTopic { get; set; }

    /// <summary>Gets or sets the producer settings for the dead-letter topic; the bootstrap servers default to the consumer's, and idempotence and acks=all are always enforced.</summary>
    public ProducerConfig DeadLetterProducer { get; set; } = new();
}
