using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using OpenTelemetry.Metrics;
using Scalable.Caching;
using Scalable.Resilience;
using Scalable.Samples.UsersApi;
using Scalable.Sharding;
using StackExchange.Redis;

if (args.Contains(BareKestrel.Flag))
{
    await BareKestrel.RunAsync(args);
    return;
}

var builder = WebApplication.CreateBuilder(args);
var servers = await SampleServers.StartAsync(builder.Configuration);
var maxBodyBytes = builder.Configuration.GetValue("Sample:MaxBodyBytes", 16 * 1024);
builder.Services.AddSingleton(servers);
builder.Services.AddSingleton<IConnectionMultiplexer>(_ => ConnectionMultiplexer.Connect($"{servers.Redis},abortConnect=false,connectTimeout=2000,syncTimeout=2000"));
builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = maxBodyBytes);
builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = builder.Configuration.GetValue("Sample:ShutdownTimeout", TimeSpan.FromSeconds(20)));
// Registered after Kestrel's socket transport, so Kestrel binds through it (see ListenerDrain).
builder.Services.AddSingleton<ListenerDrain>();
builder.Services.AddSingleton<Microsoft.AspNetCore.Connections.IConnectionListenerFactory>(sp => sp.GetRequiredService<ListenerDrain>());
builder.Services.AddHostedService<ShutdownDrain>();

// Behind nginx the client is the X-Forwarded-For address (trusted from loopback proxies only), so each client keeps its own limit.
builder.Services.Configure<ForwardedHeadersOptions>(options => options.ForwardedHeaders = ForwardedHeaders.XForwardedFor);

// Sharding: users are routed by id to one of the shards (jump consistent hash); each shard is its own server, with its
// streaming standbys for replica reads. A write waits at most 1 s at a shard move's cutover fence, inside the shard
// pipeline's 2 s attempt timeout, so the client gets the move's own 503 (ShardMoveInProgressException).
builder.Services.AddScalableSharding(options =>
{
    options.Router = ShardRouterKind.JumpHash;
    options.ShardTimeout = TimeSpan.FromSeconds(5);
    options.MoveFenceWait = TimeSpan.FromSeconds(1);
    for (var i = 0; i < servers.Shards.Count; i++)
    {
        var shard = new ShardOptions { Name = $"shard{i}", ConnectionString = servers.Shards[i] };
        foreach (var replica in servers.Replicas[i])
        {
            shard.ReadReplicas.Add(replica);
        }

        options.Shards.Add(shard);
    }
});

// Messaging: one outbox and relay per shard, publishing user events to Kafka.
var messaging = builder.Services.AddScalableMessaging();
for (var i = 0; i < servers.Shards.Count; i++)
{
    var connectionString = servers.Shards[i];
    messaging.AddOutbox($"shard{i}", options =>
    {
        options.ConnectionString = connectionString;
        options.Producer.BootstrapServers = servers.Kafka;
    });
}

// Caching: L1 + Redis with fleet-wide stampede protection and cross-node invalidation.
builder.Services.AddScalableCaching().WithRedis();

// Resilience: one pipeline, so one circuit breaker, per shard; and a Redis GCRA limit per client address.
var resilience = builder.Services.AddScalableResilience();
for (var i = 0; i < servers.Shards.Count; i++)
{
    resilience.AddPipeline(ShardPipelines.PipelineName($"shard{i}"), ShardPipelines.Configure);
}

builder.Services.AddSingleton<ShardPipelines>();
builder.Services.AddRateLimiter(_ => { });
builder.Services.AddOptions<RateLimiterOptions>().Configure<IConnectionMultiplexer>((options, redis) =>
{
    // Per client address; each instance asks Redis for a share of a client's permits at a time (Sample:RateLimitShare of the
    // limit, 5 % by default) instead of one Redis call per request: the limit still holds across instances.
    var permitLimit = builder.Configuration.GetValue("Sample:RequestsPerSecond", 200);
    var share = Math.Max(1, (int)(permitLimit * builder.Configuration.GetValue("Sample:RateLimitShare", 0.05)));
    static string Client(HttpContext context) => context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
    var decided = RedisRateLimiters.CreateGcra<HttpContext>(
        redis,
        new RedisGcraRateLimiterOptions { Name = "users-api", PermitLimit = permitLimit, Window = TimeSpan.FromSeconds(1) },
        Client);
    options.GlobalLimiter = new LocalShareRateLimiter(decided, Client, share, TimeSpan.FromSeconds(1), TimeProvider.System);
    options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
    options.OnRejected = async (context, token) =>
    {
        var seconds = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)) : 1;
        context.HttpContext.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        await Results.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Too many requests.", detail: $"Retry after {seconds} s.").ExecuteAsync(context.HttpContext);
    };
});

// Every error, from validation to 404, 405, 413, 415, 429, 503 and 500, is an RFC 7807 problem details body.
builder.Services.AddProblemDetails();
builder.Services.AddExceptionHandler<ProblemExceptionHandler>();

// Health, metrics (the packages' meters, Polly's and ASP.NET Core's) and the OpenAPI document.
builder.Services.AddSingleton<KafkaHealthCheck>();
var health = builder.Services.AddHealthChecks()
    .AddCheck<DrainingHealthCheck>("draining", tags: [OperationsEndpoints.ReadyTag])
    .AddRedis(sp => sp.GetRequiredService<IConnectionMultiplexer>(), "redis", HealthStatus.Degraded, [OperationsEndpoints.ReadyTag], TimeSpan.FromSeconds(2));
for (var i = 0; i < servers.Shards.Count; i++)
{
    health.AddNpgSql(servers.Shards[i], name: $"shard{i}", failureStatus: HealthStatus.Degraded, tags: [OperationsEndpoints.ReadyTag], timeout: TimeSpan.FromSeconds(2));
}

health
    .AddCheck<KafkaHealthCheck>("kafka", HealthStatus.Degraded, [OperationsEndpoints.ReadyTag])
    .AddCheck<OutboxLagHealthCheck>("outbox-lag", HealthStatus.Degraded, [OperationsEndpoints.ReadyTag]);
builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
    .AddAspNetCoreInstrumentation()
    .AddMeter("Scalable.*", "Polly")
    .AddPrometheusExporter());
builder.Services.AddOpenApi();

builder.Services.AddSingleton<UserRepository>();
builder.Services.AddSingleton<UserCacheOptions>();
builder.Services.AddSingleton<UserEventsConsumer>();
if (builder.Configuration.GetValue("Sample:RunConsumer", true))
{
    messaging.AddKafkaConsumer<UserEventsConsumer>(UserEventsConsumer.ConsumerGroup, options => UserEventsConsumer.Configure(options, servers));
}

var app = builder.Build();
app.Lifetime.ApplicationStopped.Register(() => servers.DisposeAsync().AsTask().GetAwaiter().GetResult());
await app.Services.GetRequiredService<UserRepository>().EnsureSchemaAsync(app.Lifetime.ApplicationStopping);

app.UseForwardedHeaders();
app.UseConnectionCloseWhileStopping();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.Use((context, next) => context.Request.ContentLength > maxBodyBytes
    ? Results.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "The request body is too large.", detail: $"At most {maxBodyBytes} bytes.").ExecuteAsync(context)
    : next(context));
app.UseRouting();
app.UseRateLimiter();
app.MapUsers();
app.MapOperations();
app.Run();

/// <summary>The sample's entry point, public so tests can host it.</summary>
public partial class Program;
