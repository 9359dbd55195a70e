using Npgsql;
using Scalable.Samples.UsersApi;
using StackExchange.Redis;

var builder = WebApplication.CreateBuilder(args);
var redis = builder.Configuration["SCALABLE_SAMPLE_REDIS"] ?? "127.0.0.1:6390";
var postgres = builder.Configuration["SCALABLE_SAMPLE_POSTGRES"] ?? "Host=127.0.0.1;Port=5440;Username=postgres;Database=postgres";

builder.Services.AddSingleton<IConnectionMultiplexer>(_ => ConnectionMultiplexer.Connect($"{redis},abortConnect=false"));
builder.Services.AddSingleton(_ => NpgsqlDataSource.Create(postgres));
builder.Services.AddSingleton<UserStore>();

var app = builder.Build();
await app.Services.GetRequiredService<UserStore>().EnsureSchemaAsync(app.Lifetime.ApplicationStopping);

app.MapGet("/health", () => Results.Ok("healthy"));
app.MapPost("/users", async (NewUser user, UserStore store, CancellationToken ct) =>
{
    if (string.IsNullOrWhiteSpace(user.Name) || string.IsNullOrWhiteSpace(user.Email))
    {
        return Results.ValidationProblem(new Dictionary<string, string[]> { ["user"] = ["name and email are required"] });
    }

    var created = await store.CreateAsync(user, ct);
    return Results.Created($"/users/{created.Id}", created);
});
app.MapGet("/users/{id:guid}", async (Guid id, UserStore store, CancellationToken ct) =>
    await store.FindAsync(id, ct) is { } user ? Results.Ok(user) : Results.NotFound());

app.Run();
