using System.Globalization;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Scalable.Caching;

namespace Scalable.Samples.UsersApi;

/// <summary>The users API: each route is a few lines over the repository, the cache and the shard pipelines.</summary>
internal static class UserEndpoints
{
    public const string CacheHeader = "X-Cache";
    private static readonly TimeSpan NotFoundDuration = TimeSpan.FromSeconds(30);

    public static void MapUsers(this IEndpointRouteBuilder app)
    {
        // Every route reads the request's read-your-writes token (ReadYourWritesHttp): writes answer with it, reads honour it.
        var users = app.MapGroup("/users").WithTags("Users").AddEndpointFilter(ReadYourWritesHttp.FilterAsync);
        users.MapPost("/", CreateAsync).WithSummary("Creates a user on the shard its new id routes to, with a 'created' event in the same transaction; with an Idempotency-Key, once per key. Answers with the read-your-writes token.");
        users.MapGet("/{id:guid}", GetAsync).WithSummary("Reads a user through the cache (X-Cache: hit, miss or stale); a miss reads the shard's primary.");
        users.MapPut("/{id:guid}", UpdateAsync).WithSummary("Replaces a user's name and e-mail, with an 'updated' event. Answers with the read-your-writes token.");
        users.MapDelete("/{id:guid}", DeleteAsync).WithSummary("Deletes a user, with a 'deleted' event. Answers with the read-your-writes token.");
        users.MapGet("/", FindByEmailAsync).WithSummary("Finds the users with an e-mail address (scatter-gather over every shard's standbys; with the read-your-writes token, the caller's own writes are seen).");
        users.MapGet("/count", CountAsync).WithSummary("Counts users on every shard; a shard that does not answer is named.");
        users.MapGet("/{id:guid}/events", EventsAsync).WithSummary("The events of a user that the consumer recorded.");
    }

    private static string Key(Guid id) => string.Create(CultureInfo.InvariantCulture, $"user:{id}");

    private static async Task<Results<Created<User>, ValidationProblem, ProblemHttpResult>> CreateAsync(
        UserInput input, [FromHeader(Name = IdempotencyKey.Header)] string? idempotencyKey, HttpContext http, UserRepository users, IScalableCache cache, [FromServices] UserCacheOptions entry, CancellationToken ct)
    {
        var errors = UserValidator.Validate(input);
        if (IdempotencyKey.Check(idempotencyKey) is { } keyError)
        {
            (errors ??= [])[IdempotencyKey.Header] = [keyError];
        }

        if (errors is not null)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var id = idempotencyKey is null ? Guid.NewGuid() : IdempotencyKey.ToUserId(idempotencyKey);
        var (user, token) = await users.CreateAsync(id, input.Name!, input.Email!, ct);
        ReadYourWritesHttp.Issue(http, token);
        if (user.Name != input.Name || user.Email != input.Email)
        {
            return TypedResults.Problem(
                statusCode: StatusCodes.Status422UnprocessableEntity,
                title: "Idempotency-Key already used.",
                detail: $"The key was used for another create (user {user.Id}); send a new key for a new user.");
        }

        await cache.SetAsync(Key(user.Id), user, entry.Entry, ct);
        return TypedResults.Created($"/users/{user.Id}", user);
    }

    private static async Task<Results<Ok<User>, ProblemHttpResult>> GetAsync(Guid id, HttpContext http, UserRepository users, IScalableCache cache, [FromServices] UserCacheOptions entry, CancellationToken ct)
    {
        var loaded = new StrongBox<bool>();
        var result = await cache.GetOrCreateEntryAsync<(UserRepository Users, Guid Id, StrongBox<bool> Loaded), User?>(
            Key(id),
            (users, id, loaded),
            static async (state, context, token) =>
            {
                state.Loaded.Value = true;
                var found = await state.Users.FindAsync(state.Id, token);
                if (found is null)
                {
                    context.NotFound(NotFoundDuration);
                }

                return found;
            },
            entry.Entry,
            ct);

        // A caller that joined another caller's load counts as a hit: it did not read the database.
        http.Response.Headers[CacheHeader] = result.IsStale ? "stale" : loaded.Value ? "miss" : "hit";
        return result.Value is { } user ? TypedResults.Ok(user) : NotFound(id);
    }

    private static async Task<Results<Ok<User>, ValidationProblem, ProblemHttpResult>> UpdateAsync(Guid id, UserInput input, HttpContext http, UserRepository users, IScalableCache cache, [FromServices] UserCacheOptions entry, CancellationToken ct)
    {
        if (UserValidator.Validate(input) is { } errors)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var (user, token) = await users.UpdateAsync(id, input.Name!, input.Email!, ct);
        ReadYourWritesHttp.Issue(http, token);
        if (user is null)
        {
            return NotFound(id);
        }

        await cache.SetAsync(Key(id), user, entry.Entry, ct); // every instance drops its L1 copy through the backplane
        return TypedResults.Ok(user);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(Guid id, HttpContext http, UserRepository users, IScalableCache cache, CancellationToken ct)
    {
        var (deleted, token) = await users.DeleteAsync(id, ct);
        ReadYourWritesHttp.Issue(http, token);
        if (!deleted)
        {
            return NotFound(id);
        }

        await cache.RemoveAsync(Key(id), ct);
        return TypedResults.NoContent();
    }

    private static async Task<Results<Ok<List<User>>, ValidationProblem, ProblemHttpResult>> FindByEmailAsync(string? email, HttpContext http, UserRepository users, CancellationToken ct)
    {
        if (UserValidator.CheckEmail(email) is { } error)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["email"] = [error] });
        }

        var result = await users.FindByEmailAsync(email!, ReadYourWritesHttp.Seen(http), ct);
        if (!result.IsComplete)
        {
            // A user with that address may be on a shard that did not answer: an empty or partial list would be wrong.
            var failed = result.Failures.Select(f => f.ShardName).ToList();
            http.Response.Headers.RetryAfter = "5";
            return TypedResults.Problem(
                statusCode: StatusCodes.Status503ServiceUnavailable,
                title: "Not every shard answered.",
                detail: $"Shards {string.Join(", ", failed)} did not answer; a user with this address may be there.",
                extensions: new Dictionary<string, object?> { ["failedShards"] = failed, ["retryAfterSeconds"] = 5 });
        }

        return TypedResults.Ok(result.Merge(found => found).ToList());
    }

    private static async Task<Ok<UserCount>> CountAsync(UserRepository users, CancellationToken ct) => TypedResults.Ok(await users.CountAsync(ct));

    private static async Task<Ok<IReadOnlyList<AuditedEvent>>> EventsAsync(Guid id, UserRepository users, ShardPipelines pipelines, UserEventsConsumer audit, CancellationToken ct)
        => TypedResults.Ok(await pipelines.ExecuteAsync(users.ShardOf(id), (audit, id), static async (s, token) => await s.audit.ReadAsync(s.id, token), ct));

    private static ProblemHttpResult NotFound(Guid id)
        => TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "User not found.", detail: $"No user has id {id}.");
}
