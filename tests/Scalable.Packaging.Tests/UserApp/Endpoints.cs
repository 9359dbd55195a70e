// Appended by UserAppFixture to the Program.cs it writes from docs/index.md's getting-started snippet, after
// `var app = builder.Build();`: endpoints that use what that snippet registered, so the test can check each package
// through HTTP. Never compiled in the test project itself.
var run = Guid.NewGuid().ToString("N"); // keeps this run's Redis keys apart from any earlier run's
var factoryRuns = 0;

app.MapGet("/products/{id:int}", async (int id, IScalableCache cache, CancellationToken ct) =>
{
    var product = await cache.GetOrCreateAsync(
        $"product:{run}:{id}",
        async _ =>
        {
            Interlocked.Increment(ref factoryRuns);
            return await new ProductDb().LoadAsync(id, CancellationToken.None);
        },
        new CacheEntryOptions { Duration = TimeSpan.FromMinutes(5), Tags = ["catalog"] },
        ct);
    return Results.Ok(new { product.Id, product.Name, FactoryRuns = Volatile.Read(ref factoryRuns) });
});

app.MapGet("/shards/{key}", async (string key, ShardedDatabase db, CancellationToken ct) =>
{
    await using var connection = await db.OpenConnectionAsync(key, cancellationToken: ct);
    await using var command = new Npgsql.NpgsqlCommand("SELECT current_database()", connection);
    var counts = await db.ScatterGatherAsync(async (shard, _, token) =>
    {
        await using var one = new Npgsql.NpgsqlCommand("SELECT 1::bigint", shard);
        return (long)(await one.ExecuteScalarAsync(token))!;
    }, cancellationToken: ct);
    return Results.Ok(new { Database = (string)(await command.ExecuteScalarAsync(ct))!, Shards = counts.Values.Sum() });
});

app.MapPost("/orders/{id:int}", async (int id, Outbox outbox, IConfiguration configuration, CancellationToken ct) =>
{
    await outbox.EnsureSchemaAsync(ct);
    await using var connection = new Npgsql.NpgsqlConnection(configuration["Postgres"]);
    await connection.OpenAsync(ct);
    await using var tx = await connection.BeginTransactionAsync(ct);
    var messageId = await outbox.EnqueueAsync(tx, OutboxMessage.FromJson(configuration["Topic"]!, $"order-{run}-{id}", new OrderPlaced(id)), ct);
    await tx.CommitAsync(ct);
    return Results.Ok(new { MessageId = messageId, Key = $"order-{run}-{id}" });
});

app.MapGet("/payments", async (Polly.Registry.ResiliencePipelineProvider<string> pipelines, CancellationToken ct) =>
{
    try
    {
        await pipelines.GetPipeline("payments").ExecuteAsync(static _ => ValueTask.CompletedTask, ct);
        return Results.Ok("paid");
    }
    catch (Polly.RateLimiting.RateLimiterRejectedException)
    {
        return Results.StatusCode(StatusCodes.Status429TooManyRequests);
    }
});
