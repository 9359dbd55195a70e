using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Scalable.Caching;
using Scalable.Samples.UsersApi;
using Scalable.TestSupport;

namespace Scalable.Samples.Tests;

[Collection(SampleClusterCollection.Name)]
public sealed class ScaleOutTests(SampleCluster cluster)
{
    private readonly HttpClient _a = cluster.A.CreateClient();
    private readonly HttpClient _b = cluster.B.CreateClient();

    [Fact]
    public async Task A_user_created_on_one_instance_is_read_updated_and_deleted_across_instances()
    {
        var created = await _a.CreateUserAsync("Ada", "ada@example.com");

        // The write filled the shared cache: instance B reads it without touching the database.
        var first = await _b.GetAsync($"/users/{created.Id}");
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal("hit", first.CacheHeader());
        Assert.Equal(created, await first.Content.ReadFromJsonAsync<User>());

        // An update on A is what B answers as soon as the backplane's notice reaches it (it evicts B's in-memory copy).
        // A's PUT returns once the notice is published; B receives it asynchronously, typically well under a
        // millisecond later, so B is asked until it answers the new name (bounded), never a timing assertion.
        Assert.Equal(HttpStatusCode.OK, (await _a.PutAsJsonAsync($"/users/{created.Id}", new UserInput("Ada Lovelace", "ada@lovelace.org"))).StatusCode);
        await Eventually.TrueAsync(
            async () => (await _b.GetFromJsonAsync<User>($"/users/{created.Id}"))!.Name == "Ada Lovelace",
            TimeSpan.FromSeconds(5),
            "B to answer the name A set once the backplane notice arrived");

        // Deleted on A: 404 problem details on both instances.
        Assert.Equal(HttpStatusCode.NoContent, (await _a.DeleteAsync($"/users/{created.Id}")).StatusCode);
        await Problems.AssertAsync(await _a.GetAsync($"/users/{created.Id}"), HttpStatusCode.NotFound);
        await Problems.AssertAsync(await _b.GetAsync($"/users/{created.Id}"), HttpStatusCode.NotFound);
        await Problems.AssertAsync(await _b.DeleteAsync($"/users/{created.Id}"), HttpStatusCode.NotFound);
        await Problems.AssertAsync(await _b.PutAsJsonAsync($"/users/{created.Id}", new UserInput("Ada", "ada@example.com")), HttpStatusCode.NotFound);

        // Its three events are recorded once each by the consumer.
        List<AuditedEvent> events = [];
        await Eventually.TrueAsync(
            async () => (events = (await _b.GetFromJsonAsync<List<AuditedEvent>>($"/users/{created.Id}/events"))!).Count >= 3,
            because: "the created, updated and deleted events to be consumed");
        Assert.Equal(["created", "updated", "deleted"], events.Select(e => e.Type));
    }

    [Fact]
    public async Task An_uncached_read_is_a_miss_then_a_hit()
    {
        var created = await _a.CreateUserAsync("Grace", "grace@example.com");
        await cluster.A.Services.GetRequiredService<IScalableCache>().RemoveAsync($"user:{created.Id}");

        var miss = await _b.GetAsync($"/users/{created.Id}");
        var hit = await _b.GetAsync($"/users/{created.Id}");

        Assert.Equal(("miss", HttpStatusCode.OK), (miss.CacheHeader(), miss.StatusCode));
        Assert.Equal(("hit", HttpStatusCode.OK), (hit.CacheHeader(), hit.StatusCode));
    }

    [Fact]
    public async Task Users_are_found_by_email_on_whichever_shard_holds_them()
    {
        var email = $"find.{Guid.NewGuid():N}@example.com";
        var created = await _a.CreateUserAsync("Finder", email);

        var found = await _b.GetFromJsonAsync<List<User>>($"/users?email={Uri.EscapeDataString(email.ToUpperInvariant())}");
        var none = await _b.GetFromJsonAsync<List<User>>($"/users?email=nobody.{Guid.NewGuid():N}@example.com");

        Assert.Equal(created, Assert.Single(found!));
        Assert.Empty(none!);
        Assert.Equal(["email"], await Problems.ValidationFieldsAsync(await _b.GetAsync("/users?email=not-an-email")));
    }
}
