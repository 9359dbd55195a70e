using System.Net;
using System.Net.Http.Json;
using Scalable.Samples.UsersApi;
using Scalable.TestSupport;

namespace Scalable.Samples.Tests;

public sealed class UsersApiTests(UsersApiFactory factory) : IClassFixture<UsersApiFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    [Fact]
    public async Task A_created_user_is_read_back_and_an_update_is_served_at_once()
    {
        var created = await CreateAsync("Ada", "ada@example.com");

        var read = await _client.GetFromJsonAsync<User>($"/users/{created.Id}");
        Assert.Equal(created, read);

        var updated = await _client.PutAsJsonAsync($"/users/{created.Id}", new UserInput("Ada Lovelace", "ada@lovelace.org"));
        Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
        var reread = await _client.GetFromJsonAsync<User>($"/users/{created.Id}");
        Assert.Equal("Ada Lovelace", reread!.Name);
        Assert.Equal("ada@lovelace.org", reread.Email);
    }

    [Fact]
    public async Task An_unknown_user_is_not_found_and_updating_it_publishes_nothing()
    {
        var id = Guid.NewGuid();

        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync($"/users/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _client.PutAsJsonAsync($"/users/{id}", new UserInput("X", "x@example.com"))).StatusCode);
        Assert.Empty((await _client.GetFromJsonAsync<List<AuditedEvent>>($"/users/{id}/events"))!);
    }

    [Fact]
    public async Task Each_change_reaches_kafka_through_the_outbox_and_is_audited_exactly_once()
    {
        var created = await CreateAsync("Grace", "grace@example.com");
        await _client.PutAsJsonAsync($"/users/{created.Id}", new UserInput("Grace Hopper", "grace@navy.mil"));

        List<AuditedEvent>? events = null;
        await Eventually.TrueAsync(async () =>
        {
            events = await _client.GetFromJsonAsync<List<AuditedEvent>>($"/users/{created.Id}/events");
            return events!.Count >= 2;
        }, because: "both events to be relayed to Kafka and consumed");

        Assert.Equal(["created", "updated"], events!.Select(e => e.Type));
        Assert.Equal(2, events!.Select(e => e.MessageId).Distinct().Count());
    }

    [Fact]
    public async Task Users_spread_over_the_shards_and_the_count_gathers_them_all()
    {
        var before = await CountAsync();
        for (var i = 0; i < 30; i++)
        {
            await CreateAsync($"user{i}", $"user{i}@example.com");
        }

        var after = await CountAsync();
        Assert.True(after.Complete);
        Assert.Equal(before.Total + 30, after.Total);
        Assert.True(after.Shards.Count(s => s.Value > 0) > 1, "users should land on more than one shard");
    }

    [Fact]
    public async Task Invalid_input_is_rejected_and_nothing_is_stored()
    {
        var before = await CountAsync();

        var response = await _client.PostAsJsonAsync("/users", new UserInput("", "not-an-email"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(before.Total, (await CountAsync()).Total);
    }

    private async Task<User> CreateAsync(string name, string email)
    {
        var response = await _client.PostAsJsonAsync("/users", new UserInput(name, email));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<User>())!;
    }

    private async Task<CountResponse> CountAsync() => (await _client.GetFromJsonAsync<CountResponse>("/users/count"))!;

    private sealed record CountResponse(long Total, bool Complete, Dictionary<string, long> Shards);
}
