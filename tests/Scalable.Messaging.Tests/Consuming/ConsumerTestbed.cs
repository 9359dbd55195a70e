using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Npgsql;
using Scalable.Messaging.Tests.Support;
using Scalable.TestSupport;

namespace Scalable.Messaging.Tests.Consuming;

// A topic, a database with the inbox table and an effects table, and hosts that run AddKafkaConsumer<EffectHandler> on them.
// Every message is numbered; the effects table gets one row per handler run that committed.
internal sealed class ConsumerTestbed : IAsyncDisposable
{
    // How long a test waits for the consumers to get somewhere: generous, for a loaded machine; not a timing assertion.
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(120);

    private readonly List<IHost> _hosts = [];

    private ConsumerTestbed(string bootstrapServers, string topic, string connectionString)
    {
        BootstrapServers = bootstrapServers;
        Topic = topic;
        ConnectionString = connectionString;
        Database = NpgsqlDataSource.Create(connectionString);
    }

    public string BootstrapServers { get; }

    public string Topic { get; }

    public string ConnectionString { get; }

    public NpgsqlDataSource Database { get; }

    public string Group { get; } = $"effects-{Guid.NewGuid():N}";

    public HandlerScript Script { get; } = new();

    public FakeLogCollector Logs { get; } = new();

    public static async Task<ConsumerTestbed> CreateAsync(MessagingFixture servers, int partitions)
    {
        var topic = servers.CreateTopic(partitions);
        var connectionString = await servers.Postgres.CreateDatabaseAsync("consumer");
        await using (var outbox = await TestOutbox.CreateAsync(connectionString, servers.Kafka.BootstrapServers))
        {
            // The outbox schema holds the inbox table; the outbox itself is not used.
        }

        var testbed = new ConsumerTestbed(servers.Kafka.BootstrapServers, topic, connectionString);
        await using var create = testbed.Database.CreateCommand("""CREATE TABLE effects (seq bigint GENERATED ALWAYS AS IDENTITY, message_id uuid NOT NULL, number integer NOT NULL, partition integer NOT NULL, "offset" bigint NOT NULL)""");
        await create.ExecuteNonQueryAsync();
        return testbed;
    }

    // Produces messages number from .. from+count-1, keyed over `keys` keys, each with its own message-id header; returns the ids by number.
    public async Task<Dictionary<int, Guid>> ProduceAsync(int from, int count, int keys = 8)
    {
        using var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = BootstrapServers, LingerMs = 5 }).Build();
        var ids = new Dictionary<int, Guid>();
        var sends = new List<Task>();
        for (var number = from; number < from + count; number++)
        {
            var id = Guid.NewGuid();
            ids[number] = id;
            var headers = new Headers { { OutboxHeaders.MessageId, Encoding.UTF8.GetBytes(id.ToString()) } };
            sends.Add(producer.ProduceAsync(Topic, new Message<string, string> { Key = $"key-{number % keys}", Value = number.ToString(CultureInfo.InvariantCulture), Headers = headers }));
        }

        await Task.WhenAll(sends);
        return ids;
    }

    public IHost Build(Action<KafkaConsumerOptions>? configure = null, TimeSpan? shutdownTimeout = null)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = shutdownTimeout ?? TimeSpan.FromSeconds(30));
        builder.Services.AddMetrics();
        builder.Logging.SetMinimumLevel(LogLevel.Debug).AddProvider(new FakeLoggerProvider(Logs));
        builder.Services.AddSingleton(Script);
        builder.Services.AddScalableMessaging().AddKafkaConsumer<EffectHandler>("effects", options =>
        {
            options.Consumer.BootstrapServers = BootstrapServers;
            options.Consumer.GroupId = Group;
            options.Consumer.SessionTimeoutMs = 6000;
            options.Consumer.HeartbeatIntervalMs = 500;
            options.Consumer.AutoCommitIntervalMs = 200;
            options.Topics = [Topic];
            options.ConnectionString = ConnectionString;
            options.InitialRetryDelay = TimeSpan.FromMilliseconds(50);
            options.MaxRetryDelay = TimeSpan.FromMilliseconds(200);
            configure?.Invoke(options);
        });
        var host = builder.Build();
        _hosts.Add(host);
        return host;
    }

    public async Task<IHost> StartAsync(Action<KafkaConsumerOptions>? configure = null, TimeSpan? shutdownTimeout = null)
    {
        var host = Build(configure, shutdownTimeout);
        await host.StartAsync();
        return host;
    }

    // Starts a consumer that never commits offsets on its own and hangs inside the handler of Script.HoldNumber (its
    // transaction open) and stops polling: Kafka drops it from the group as it would a frozen or killed process. Returns
    // once it hangs.
    public async Task<IHost> StartFrozenAsync(Action<KafkaConsumerOptions>? configure = null)
    {
        var host = await StartAsync(o =>
        {
            o.Consumer.AutoCommitIntervalMs = (int)TimeSpan.FromHours(1).TotalMilliseconds;
            o.Consumer.MaxPollIntervalMs = 6000;
            configure?.Invoke(o);
        });
        await WaitUntilHeldAsync();
        return host;
    }

    // The hung handler fails (its transaction rolls back, so its message is still to do) and the frozen consumer is gone for
    // good, as a killed process would be.
    public async Task ReleaseFrozenAsync(IHost frozen)
    {
        Script.HoldNumber = null;
        Script.ReleaseAll();
        await frozen.StopAsync();
    }

    public Task WaitUntilHeldAsync() => Script.Held.Task.WaitAsync(Deadline);

    // How many log records with this event id the consumers wrote (see ConsumerEvent).
    public int Logged(int eventId) => Logs.GetSnapshot().Count(r => r.Id.Id == eventId);

    public async Task<List<Effect>> EffectsAsync()
    {
        await using var command = Database.CreateCommand("""SELECT message_id, number, partition, "offset" FROM effects ORDER BY seq""");
        await using var reader = await command.ExecuteReaderAsync();
        var effects = new List<Effect>();
        while (await reader.ReadAsync())
        {
            effects.Add(new Effect(reader.GetGuid(0), reader.GetInt32(1), reader.GetInt32(2), reader.GetInt64(3)));
        }

        return effects;
    }

    public async Task<long> CountAsync(string sql)
    {
        await using var command = Database.CreateCommand(sql);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    // The offsets the group committed, per partition (-1001 when none).
    public Dictionary<int, long> CommittedOffsets(int partitions)
    {
        using var reader = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig { BootstrapServers = BootstrapServers, GroupId = Group }).Build();
        var committed = reader.Committed(Enumerable.Range(0, partitions).Select(p => new TopicPartition(Topic, p)), TimeSpan.FromSeconds(30));
        return committed.ToDictionary(c => c.Partition.Value, c => c.Offset.Value);
    }

    // Stops every host gracefully: each commits what it handled.
    public async Task StopAllAsync()
    {
        foreach (var host in _hosts)
        {
            await host.StopAsync(TimeSpan.FromSeconds(30));
        }
    }

    // Waits for a condition; on a timeout the failure carries the consumer logs.
    public async Task EventuallyAsync(Func<Task<bool>> condition, string because)
    {
        try
        {
            await Eventually.TrueAsync(condition, Deadline, because);
        }
        catch (Xunit.Sdk.XunitException ex)
        {
            throw new Xunit.Sdk.XunitException($"{ex.Message}{Environment.NewLine}Consumer logs:{Environment.NewLine}{LogText()}", ex);
        }
    }

    public Task EventuallyAsync(Func<bool> condition, string because) => EventuallyAsync(() => Task.FromResult(condition()), because);

    public Task WaitForEffectsAsync(int count) => EventuallyAsync(async () => (await EffectsAsync()).Count >= count, $"{count} messages to be handled");

    // The consumer logs, for the test output when a test fails.
    public string LogText() => string.Join(Environment.NewLine, Logs.GetSnapshot().Select(r => $"{r.Timestamp:HH:mm:ss.fff} {r.Level} {r.Id.Id} {r.Message}"));

    public async ValueTask DisposeAsync()
    {
        Script.ReleaseAll();
        foreach (var host in _hosts)
        {
            try
            {
                await host.StopAsync(TimeSpan.FromSeconds(30));
            }
            catch (ObjectDisposedException)
            {
                // Already stopped and disposed by the test.
            }

            host.Dispose();
        }

        await Database.DisposeAsync();
    }
}

internal sealed record Effect(Guid MessageId, int Number, int Partition, long Offset);

// Decides, per message number, whether the handler fails or waits, and counts handler runs.
internal sealed class HandlerScript
{
    private readonly ConcurrentDictionary<int, int> _failuresLeft = new();
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ConcurrentDictionary<int, int> Runs { get; } = new();

    public ConcurrentDictionary<int, int> Failures { get; } = new();

    public int? HoldNumber { get; set; }

    // When set, the held handler does not honour cancellation either (it is stuck in a call that takes no token).
    public bool HoldIgnoresCancellation { get; set; }

    public TaskCompletionSource Held { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TimeSpan DelayPerMessage { get; set; }

    public void FailTimes(int number, int times) => _failuresLeft[number] = times;

    public void ReleaseAll() => _release.TrySetResult();

    public async Task BeforeEffectAsync(int number, CancellationToken cancellationToken)
    {
        Runs.AddOrUpdate(number, 1, (_, n) => n + 1);
        if (DelayPerMessage > TimeSpan.Zero)
        {
            await Task.Delay(DelayPerMessage, cancellationToken);
        }

        if (number == HoldNumber)
        {
            Held.TrySetResult();
            await (HoldIgnoresCancellation ? _release.Task : _release.Task.WaitAsync(cancellationToken));
            throw new InvalidOperationException($"message {number} was held and then failed");
        }

        if (_failuresLeft.TryGetValue(number, out var left) && left > 0)
        {
            _failuresLeft[number] = left - 1;
            Failures.AddOrUpdate(number, 1, (_, n) => n + 1);
            throw new InvalidOperationException($"the handler fails on message {number}");
        }
    }
}

// The handler under test: writes one effects row in the loop's transaction, after the script had its say.
internal sealed class EffectHandler(HandlerScript script) : IKafkaMessageHandler
{
    public async Task HandleAsync(ConsumedMessage message, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        var number = int.Parse(Encoding.UTF8.GetString(message.Value), CultureInfo.InvariantCulture);
        await script.BeforeEffectAsync(number, cancellationToken);
        await using var insert = new NpgsqlCommand("""INSERT INTO effects (message_id, number, partition, "offset") VALUES ($1, $2, $3, $4)""", transaction.Connection, transaction);
        insert.Parameters.Add(new NpgsqlParameter { Value = message.MessageId });
        insert.Parameters.Add(new NpgsqlParameter { Value = number });
        insert.Parameters.Add(new NpgsqlParameter { Value = message.Partition });
        insert.Parameters.Add(new NpgsqlParameter { Value = message.Offset });
        await insert.ExecuteNonQueryAsync(cancellationToken);
    }
}
