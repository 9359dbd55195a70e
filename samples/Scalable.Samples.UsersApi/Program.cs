using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Polly.Registry;
using Scalable.Caching;
using Scalable.Resilience;
using Scalable.Samples.UsersApi;
using Scalable.Sharding;
using StackExchange.Redis;

var builder = WebApplication.CreateBuilder(args);
var servers = await SampleServers.StartAsync(builder.Configuration);
builder.Services.AddSingleton(servers);
builder.Services.AddSingleton<IConnectionMultiplexer>(_ => ConnectionMultiplexer.Connect($"{servers.Redis},abortConnect=false"));

// Sharding: users are routed by id to one of the shard databases (jump consistent hash).
builder.Services.AddScalableSharding(options =>
{
    options.Router = ShardRouterKind.JumpHash;
    for (var i = 0; i < servers.Shards.Count; i++)
    {
        options.Shards.Add(new ShardOptions { Name = $"shard{i}", ConnectionString = servers.Shards[i] });
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

// Resilience: a standard pipeline around database reads, and a Redis GCRA limit per client address.
builder.Services.AddScalableResilience().AddPipeline("users-db");
builder.Services.AddRateLimiter(_ => { });
builder.Services.AddOptions<RateLimiterOptions>().Configure<IConnectionMultiplexer>((options, redis) =>
{
    options.GlobalLimiter = RedisRateLimiters.CreateGcra<HttpContext>(
        redis,
        new RedisGcraRateLimiterOptions
        {
            Name = "users-api",
            PermitLimit = builder.Configuration.GetValue("Sample:RequestsPerSecond", 200),
            Window = TimeSpan.FromSeconds(1),
        },
        context => context.Connection.RemoteIpAddress?.ToString() ?? "unknown");
    options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
    options.OnRejected = (context, _) =>
    {
        if (context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter))
        {
            context.HttpContext.Response.Headers.RetryAfter = Math.Ceiling(retryAfter.TotalSeconds).ToString(CultureInfo.InvariantCulture);
        }

        return ValueTask.CompletedTask;
    };
});

builder.Services.AddSingleton<UserRepository>();
builder.Services.AddSingleton<UserEventsConsumer>();
messaging.AddKafkaConsumer<UserEventsConsumer>(UserEventsConsumer.ConsumerGroup, options => UserEventsConsumer.Configure(options, servers));

var app = builder.Build();
app.Lifetime.ApplicationStopped.Register(() => servers.DisposeAsync().AsTask().GetAwaiter().GetResult());
await app.Services.GetRequiredService<UserRepository>().EnsureSchemaAsync(app.Lifetime.ApplicationStopping);
app.UseRateLimiter();

var cacheOptions = new CacheEntryOptions { Duration = TimeSpan.FromMinutes(5), FailSafeMaxDuration = TimeSpan.FromHours(1), Tags = ["users"] };

app.MapGet("/health", () => Results.Ok("healthy"));

app.MapPost("/users", async (UserInput input, UserRepository users, IScalableCache cache, CancellationToken ct) =>
{
    if (Validate(input) is { } problem)
    {
        return problem;
    }

    var user = await users.CreateAsync(input.Name!, input.Email!, ct);
    await cache.SetAsync($"user:{user.Id}", user, cacheOptions, ct);
    return Results.Created($"/users/{user.Id}", user);
});

app.MapGet("/users/{id:guid}", async (Guid id, UserRepository users, IScalableCache cache, ResiliencePipelineProvider<string> pipelines, CancellationToken ct) =>
{
    var pipeline = pipelines.GetPipeline("users-db");
    var user = await cache.GetOrCreateAsync<User?>(
        $"user:{id}",
        async (context, token) =>
        {
            var found = await pipeline.ExecuteAsync(static async (state, t) => await state.users.FindAsync(state.id, t), (users, id), token);
            if (found is null)
            {
                context.NotFound(TimeSpan.FromSeconds(30));
            }

            return found;
        },
        cacheOptions,
        ct);
    return user is null ? Results.NotFound() : Results.Ok(user);
});

app.MapPut("/users/{id:guid}", async (Guid id, UserInput input, UserRepository users, IScalableCache cache, CancellationToken ct) =>
{
    if (Validate(input) is { } problem)
    {
        return problem;
    }

    var user = await users.UpdateAsync(id, input.Name!, input.Email!, ct);
    if (user is null)
    {
        return Results.NotFound();
    }

    await cache.SetAsync($"user:{id}", user, cacheOptions, ct); // every instance drops its L1 copy through the backplane
    return Results.Ok(user);
});

app.MapGet("/users/count", async (UserRepository users, CancellationToken ct) => Results.Ok(await users.CountAsync(ct)));

app.MapGet("/users/{id:guid}/events", async (Guid id, UserEventsConsumer audit, CancellationToken ct) => Results.Ok(await audit.ReadAsync(id, ct)));

app.Run();

static IResult? Validate(UserInput input)
    => string.IsNullOrWhiteSpace(input.Name) || string.IsNullOrWhiteSpace(input.Email) || !input.Email.Contains('@', StringComparison.Ordinal)
        ? Results.ValidationProblem(new Dictionary<string, string[]> { ["user"] = ["name and a valid email are required"] })
        : null;

/// <summary>The sample's entry point, public so tests can host it.</summary>
public partial class Program;
