// A user's app, written from the package READMEs. It installs the four Scalable packages next to its own
// StackExchange.Redis and Confluent.Kafka, calls every public member of ours that takes a type of those clients
// against real servers, and prints one line per member: "ok <member>: what it showed" or "FAIL <member>: why".
// Exit code 0 when every line is ok. Settings come from environment variables: Redis (a StackExchange.Redis
// configuration string), Postgres (an Npgsql connection string), Kafka (bootstrap servers), Topic and DeadLetterTopic
// (existing topics with one partition) and Sharding__Shards__<n>__Name / __ConnectionString.
using System.Diagnostics;
using System.Threading.RateLimiting;
using Confluent.Kafka;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using Polly;
using Polly.CircuitBreaker;
using Polly.RateLimiting;
using Polly.Registry;
using Scalable.Caching;
using Scalable.Messaging;
using Scalable.Resilience;
using Scalable.Sharding;
using StackExchange.Redis;

var builder = Host.CreateApplicationBuilder(args);
var configuration = builder.Configuration;
var run = Guid.NewGuid().ToString("N"); // keeps this run's Redis keys and Kafka key apart from any earlier run's
var keyPrefix = $"consumer:{run}:";
var failures = 0;
using var redis = await ConnectionMultiplexer.ConnectAsync(Required("Redis"));

builder.Services.AddSingleton<IConnectionMultiplexer>(redis);
builder.Services.AddScalableCaching(o => o.DefaultEntryOptions = new() { FailSafeMaxDuration = TimeSpan.FromHours(1) })
    .WithRedis(services => services.GetRequiredService<IConnectionMultiplexer>());
builder.Services.AddScalableResilience(configuration.GetSection("Resilience"))
    .WithRedis(_ => redis)
    .AddRedisGcraRateLimiter("api", o => Shared(o, permitLimit: 1))
    .AddPipeline("payments", p => { p.RateLimiter.LimiterName = "api"; p.CircuitBreaker.SharedName = "payments"; });
builder.Services.AddScalableMessaging(o =>
{
    o.ConnectionString = Required("Postgres");
    o.Producer.BootstrapServers = Required("Kafka");
    o.PollingInterval = TimeSpan.FromMilliseconds(200);
}).AddKafkaConsumer<OrderHandler>("consumer-app", o =>
{
    o.Consumer = new ConsumerConfig { BootstrapServers = Required("Kafka"), GroupId = $"consumer-app-loop-{run}", AutoOffsetReset = AutoOffsetReset.Earliest };
    o.Topics = [Required("Topic")];
    o.ConnectionString = Required("Postgres");
    o.MaxAttempts = 1;
    o.DeadLetterTarget = ConsumerDeadLetterTarget.Topic;
    o.DeadLetterTopic = Required("DeadLetterTopic");
    o.DeadLetterProducer = new ProducerConfig { BootstrapServers = Required("Kafka") };
});
builder.Services.AddScalableSharding(configuration.GetSection("Sharding"));

using var host = builder.Build();
Console.WriteLine($"clients: StackExchange.Redis {VersionOf<IConnectionMultiplexer>()}, Confluent.Kafka {VersionOf<ProducerConfig>()}");
await Check("AddScalableCaching, AddScalableResilience, AddScalableMessaging, AddScalableSharding", async () =>
{
    await host.StartAsync();
    return "the host started: every package's options passed validation";
});
if (failures > 0)
{
    return 1;
}

// Scalable.Caching: two instances of the service share Redis (this app's own 3.x client) as L2.
await Check("ScalableCachingBuilder.WithRedis", async () =>
{
    var key = $"product:{run}";
    var cache = host.Services.GetRequiredService<IScalableCache>();
    await cache.GetOrCreateAsync(key, async _ => await Task.FromResult(new Product(42, "cached by the first instance")),
        new CacheEntryOptions { Duration = TimeSpan.FromMinutes(5), Tags = ["catalog"] });

    await using var otherInstance = new ServiceCollection().AddScalableCaching().WithRedis(_ => redis).Services.BuildServiceProvider();
    var other = await otherInstance.GetRequiredService<IScalableCache>()
        .GetOrCreateAsync(key, async _ => await Task.FromResult(new Product(0, "the factory ran again")));
    Expect(other == new Product(42, "cached by the first instance"), $"the second instance got {other}, not the first instance's value from Redis");
    return "a second instance read the first one's value from Redis without running its factory";
});

// Scalable.Resilience: every limiter is Redis-backed, fails closed while Redis is unreachable (so a granted permit
// means Redis answered), and allows one permit per minute: a second instance of the same limiter is then denied.
await Check("ScalableResilienceBuilder.WithRedis", async () =>
{
    var pipeline = host.Services.GetRequiredService<ResiliencePipelineProvider<string>>().GetPipeline("payments");
    await pipeline.ExecuteAsync(static _ => ValueTask.CompletedTask);
    var rejected = await Throws<RateLimiterRejectedException>(() => pipeline.ExecuteAsync(static _ => ValueTask.CompletedTask).AsTask());
    using var otherInstance = new RedisGcraRateLimiter(redis, Shared(new RedisGcraRateLimiterOptions { Name = "api" }, permitLimit: 1));
    using var lease = await otherInstance.AcquireAsync();
    Expect(!lease.IsAcquired, "another instance of limiter 'api' got a permit that the pipeline had used");
    return $"pipeline 'payments' ran once through Redis limiter 'api', then was rejected (retry after {rejected.RetryAfter}), on every instance";
});
await Check("new RedisGcraRateLimiter", () => OnePermitAcrossInstances(
    () => new RedisGcraRateLimiter(redis, Shared(new RedisGcraRateLimiterOptions { Name = "gcra" }, permitLimit: 1))));
await Check("new RedisSlidingWindowRateLimiter", () => OnePermitAcrossInstances(
    () => new RedisSlidingWindowRateLimiter(redis, Shared(new RedisSlidingWindowRateLimiterOptions { Name = "sliding" }, permitLimit: 1))));
await Check("new RedisConcurrencyLimiter", () => OnePermitAcrossInstances(
    () => new RedisConcurrencyLimiter(redis, Shared(new RedisConcurrencyLimiterOptions { Name = "concurrency" }, permitLimit: 1))));
await Check("RedisRateLimiters.CreateGcra", () => OnePermitPerUserAcrossInstances(
    () => RedisRateLimiters.CreateGcra<string>(redis, Shared(new RedisGcraRateLimiterOptions { Name = "per-user-gcra" }, permitLimit: 1), user => user)));
await Check("RedisRateLimiters.CreateSlidingWindow", () => OnePermitPerUserAcrossInstances(
    () => RedisRateLimiters.CreateSlidingWindow<string>(redis, Shared(new RedisSlidingWindowRateLimiterOptions { Name = "per-user-sliding" }, permitLimit: 1), user => user)));
await Check("RedisRateLimiters.CreateConcurrency", () => OnePermitPerUserAcrossInstances(
    () => RedisRateLimiters.CreateConcurrency<string>(redis, Shared(new RedisConcurrencyLimiterOptions { Name = "per-user-concurrency" }, permitLimit: 1), user => user)));
await Check("new SharedCircuitBreaker", async () =>
{
    await using var here = new SharedCircuitBreaker(redis, $"payments-{run}");
    await using var there = new SharedCircuitBreaker(redis, $"payments-{run}");
    await Task.WhenAll(here.Ready, there.Ready);
    var pipelineThere = new ResiliencePipelineBuilder().AddCircuitBreaker(there.Apply(new CircuitBreakerStrategyOptions())).Build();
    await here.IsolateAsync();
    await Eventually(async () => await Throws<IsolatedCircuitException>(() => pipelineThere.ExecuteAsync(static _ => ValueTask.CompletedTask).AsTask()),
        "the other instance's breaker never opened");
    return "isolating the breaker on one instance opened it on the other, through Redis pub/sub";
});

// Scalable.Messaging: the relay publishes with this app's Confluent.Kafka; a consumer reads the message id back.
ConsumeResult<string, byte[]>? delivered = null;
var messageKey = $"order-{run}";
var enqueued = Guid.Empty;
await Check("ScalableMessagingOptions.Producer", async () =>
{
    var outbox = host.Services.GetRequiredService<Outbox>();
    await outbox.EnsureSchemaAsync();
    await using (var connection = new NpgsqlConnection(Required("Postgres")))
    {
        await connection.OpenAsync();
        await using var tx = await connection.BeginTransactionAsync();
        enqueued = await outbox.EnqueueAsync(tx, OutboxMessage.FromJson(Required("Topic"), messageKey, new OrderPlaced(42)));
        await tx.CommitAsync();
    }

    using var consumer = new ConsumerBuilder<string, byte[]>(new ConsumerConfig { BootstrapServers = Required("Kafka"), GroupId = $"consumer-app-{run}" }).Build();
    consumer.Assign(new TopicPartitionOffset(Required("Topic"), 0, Offset.Beginning));
    var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
    while (delivered is null && DateTime.UtcNow < deadline)
    {
        if (consumer.Consume(TimeSpan.FromSeconds(1)) is { Message.Key: var key } result && key == messageKey)
        {
            delivered = result;
        }
    }

    Expect(delivered is not null, "the relay did not publish the enqueued message within 60 seconds");
    return $"the relay published the enqueued message to {delivered!.TopicPartitionOffset}";
});
await Check("Inbox.TryGetMessageId", async () =>
{
    Expect(delivered is not null, "no message was delivered to read");
    Expect(Inbox.TryGetMessageId(delivered!.Message.Headers, out var messageId), "the delivered message has no message id header");
    Expect(messageId == enqueued, $"the header says {messageId}, but EnqueueAsync returned {enqueued}");
    var inbox = new Inbox();
    await using var connection = new NpgsqlConnection(Required("Postgres"));
    await connection.OpenAsync();
    await using var tx = await connection.BeginTransactionAsync();
    Expect(await inbox.TryRecordAsync(tx, "billing", messageId), "the inbox says the message was processed before");
    Expect(!await inbox.TryRecordAsync(tx, "billing", messageId), "the inbox recorded the same message twice");
    await tx.CommitAsync();
    return "read the message id from the Kafka headers; the inbox records it once";
});

// Scalable.Messaging's consumer loop: reads the relay's messages with this app's Confluent.Kafka, through the inbox.
await Check("KafkaConsumerOptions.Consumer", async () =>
{
    var handled = await OrderHandler.Handled.Task.WaitAsync(TimeSpan.FromSeconds(60));
    Expect(handled.Key == messageKey, $"the loop handled key {handled.Key}, expected {messageKey}");
    return $"the hosted consumer loop handled the relay's message at {handled.Topic}/{handled.Partition}@{handled.Offset}";
});
await Check("ConsumedMessage.Headers", async () =>
{
    var handled = await OrderHandler.Handled.Task.WaitAsync(TimeSpan.FromSeconds(60));
    Expect(Inbox.TryGetMessageId(handled.Headers, out var messageId) && messageId == enqueued, $"the handler's headers carry no message id {enqueued}");
    return "the handler read the outbox message id from the consumed message's Kafka headers";
});
await Check("KafkaConsumerOptions.DeadLetterProducer", async () =>
{
    var poisonKey = $"{OrderHandler.PoisonPrefix}{run}";
    var outbox = host.Services.GetRequiredService<Outbox>();
    await using (var connection = new NpgsqlConnection(Required("Postgres")))
    {
        await connection.OpenAsync();
        await using var tx = await connection.BeginTransactionAsync();
        await outbox.EnqueueAsync(tx, OutboxMessage.FromJson(Required("Topic"), poisonKey, new OrderPlaced(-1)));
        await tx.CommitAsync();
    }

    using var consumer = new ConsumerBuilder<string, byte[]>(new ConsumerConfig { BootstrapServers = Required("Kafka"), GroupId = $"consumer-app-dead-{run}" }).Build();
    consumer.Assign(new TopicPartitionOffset(Required("DeadLetterTopic"), 0, Offset.Beginning));
    var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
    while (DateTime.UtcNow < deadline)
    {
        if (consumer.Consume(TimeSpan.FromSeconds(1)) is { Message.Key: var key } result && key == poisonKey)
        {
            return $"the poison message went to the dead-letter topic at {result.TopicPartitionOffset} through the dead-letter producer";
        }
    }

    throw new InvalidOperationException("the poison message did not reach the dead-letter topic within 60 seconds");
});

// Scalable.Sharding: a key goes to one shard; a scatter-gather query reaches every shard.
await Check("AddScalableSharding", async () =>
{
    var db = host.Services.GetRequiredService<ShardedDatabase>();
    string database;
    await using (var connection = await db.OpenConnectionAsync("{user:42}:orders"))
    {
        database = (string)(await new NpgsqlCommand("SELECT current_database()", connection).ExecuteScalarAsync())!;
    }

    var counts = await db.ScatterGatherAsync(async (connection, shard, ct) =>
        (long)(await new NpgsqlCommand("SELECT 1::bigint", connection).ExecuteScalarAsync(ct))!);
    Expect(counts.IsComplete && counts.Values.Sum() == db.Topology.Shards.Count, $"scatter-gather reached {counts.Values.Sum()} of {db.Topology.Shards.Count} shards");
    return $"{{user:42}}:orders routed to database {database}; scatter-gather reached all {db.Topology.Shards.Count} shards";
});

await host.StopAsync();
Console.WriteLine(failures == 0 ? "all ok" : $"{failures} failed");
return failures == 0 ? 0 : 1;

async Task Check(string member, Func<Task<string>> exercise)
{
    try
    {
        Console.WriteLine($"ok {member}: {await exercise()}");
    }
    catch (Exception exception)
    {
        failures++;
        Console.WriteLine($"FAIL {member}: {exception}");
    }
}

string Required(string name) => configuration[name] is { Length: > 0 } value ? value : throw new InvalidOperationException($"Set the {name} environment variable.");

TOptions Shared<TOptions>(TOptions options, int permitLimit)
    where TOptions : RedisRateLimiterOptions
{
    options.KeyPrefix = keyPrefix;
    options.OutagePolicy = OutagePolicy.FailClosed;
    switch (options)
    {
        case RedisGcraRateLimiterOptions gcra:
            (gcra.PermitLimit, gcra.Window) = (permitLimit, TimeSpan.FromMinutes(1));
            break;
        case RedisSlidingWindowRateLimiterOptions sliding:
            (sliding.PermitLimit, sliding.Window) = (permitLimit, TimeSpan.FromMinutes(1));
            break;
        case RedisConcurrencyLimiterOptions concurrency:
            (concurrency.PermitLimit, concurrency.LeaseDuration) = (permitLimit, TimeSpan.FromMinutes(1));
            break;
    }

    return options;
}

static string? VersionOf<T>() => FileVersionInfo.GetVersionInfo(typeof(T).Assembly.Location).ProductVersion?.Split('+')[0];

static async Task<string> OnePermitAcrossInstances(Func<RateLimiter> create)
{
    using var first = create();
    using var second = create();
    using var granted = await first.AcquireAsync();
    Expect(granted.IsAcquired, "the first instance got no permit (is Redis reachable?)");
    using var denied = await second.AcquireAsync();
    Expect(!denied.IsAcquired, "a second instance got a permit beyond the shared limit of one");
    return "one instance got the only permit; another instance of the same limiter was denied";
}

static async Task<string> OnePermitPerUserAcrossInstances(Func<PartitionedRateLimiter<string>> create)
{
    using var first = create();
    using var second = create();
    using var granted = await first.AcquireAsync("alice");
    Expect(granted.IsAcquired, "the first instance got no permit for alice (is Redis reachable?)");
    using var denied = await second.AcquireAsync("alice");
    Expect(!denied.IsAcquired, "a second instance got a permit for alice beyond the shared limit of one");
    using var other = await second.AcquireAsync("bob");
    Expect(other.IsAcquired, "bob was denied, though only alice used her permit");
    return "alice's only permit was used on one instance and denied on another; bob still got his";
}

static async Task<T> Throws<T>(Func<Task> action)
    where T : Exception
{
    try
    {
        await action();
    }
    catch (T expected)
    {
        return expected;
    }

    throw new InvalidOperationException($"Expected {typeof(T).Name}, but the call succeeded.");
}

static async Task Eventually(Func<Task> assertion, string failure)
{
    var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
    while (true)
    {
        try
        {
            await assertion();
            return;
        }
        catch (InvalidOperationException) when (DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }
        catch (InvalidOperationException exception)
        {
            throw new InvalidOperationException(failure, exception);
        }
    }
}

static void Expect(bool condition, string failure)
{
    if (!condition)
    {
        throw new InvalidOperationException(failure);
    }
}

internal sealed record Product(int Id, string Name);

internal sealed record OrderPlaced(int OrderId);

// The consumer loop's handler: remembers the first order it handled and fails on poison keys (one attempt, then the
// dead-letter topic).
internal sealed class OrderHandler : IKafkaMessageHandler
{
    public const string PoisonPrefix = "poison-";

    public static TaskCompletionSource<ConsumedMessage> Handled { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task HandleAsync(ConsumedMessage message, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        if (message.Key?.StartsWith(PoisonPrefix, StringComparison.Ordinal) == true)
        {
            throw new InvalidOperationException("a poison message");
        }

        Handled.TrySetResult(message);
        return Task.CompletedTask;
    }
}
