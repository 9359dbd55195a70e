namespace Scalable.Samples.UsersApi;

/// <summary>The load test's baseline (--baseline): Kestrel alone answering GET /users/{id} with the same JSON as a cached read, and nothing else.</summary>
internal static class BareKestrel
{
    public const string Flag = "--baseline";

    public static Task RunAsync(string[] args)
    {
        var builder = WebApplication.CreateSlimBuilder(args.Where(a => a != Flag).ToArray());
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var app = builder.Build();
        app.MapGet("/users/{id:guid}", (Guid id) => TypedResults.Ok(new User(id, "Ada Lovelace", "ada@example.com", "shard0")));
        app.MapGet("/health/ready", () => TypedResults.Ok());
        return app.RunAsync();
    }
}
