using System.Net;
using System.Net.Http.Json;
using Scalable.Messaging;
using Scalable.Samples.UsersApi;
using Scalable.TestSupport;

namespace Scalable.Samples.Tests;

[Collection(SampleClusterCollection.Name)]
public sealed class UsersApiTests(SampleCluster cluster)
{
    private const string AuditConsumerCategory = "Scalable.Messaging.Consumer"; // the package loop that runs UserEventsConsumer
    private readonly SampleInstance _factory = cluster.A;
    private readonly HttpClient _client = cluster.A.CreateClient();
    private readonly SamplePipeline _pipeline = new(cluster.A.Services);

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
        var unknown = Guid.NewGuid();

        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync($"/users/{unknown}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _client.PutAsJsonAsync($"/users/{unknown}", new UserInput("X", "x@example.com"))).StatusCode);

        // A real change after the 404; once every shard's outbox is empty, whatever either request enqueued is in Kafka.
        var later = await CreateAsync("Later", "later@example.com");
        await Eventually.TrueAsync(_pipeline.OutboxesAreEmptyAsync, because: "the shards' outboxes to be relayed to Kafka");
        var publishedKeys = _pipeline.ReadTopic().Select(m => m.Message.Key).ToList();
        Assert.Contains(later.Id.ToString(), publishedKeys);
        Assert.DoesNotContain(unknown.ToString(), publishedKeys);

        // The audit consumer recorded the later change, and nothing for the unknown id.
        await EventsAsync(later.Id, atLeast: 1);
        Assert.Empty(await EventsAsync(unknown));
    }

    [Fact]
    public async Task Each_change_reaches_kafka_through_the_outbox_and_a_redelivered_event_is_audited_once()
    {
        var created = await CreateAsync("Grace", "grace@example.com");
        await UpdateAsync(created.Id, new UserInput("Grace Hopper", "grace@navy.mil"));
        var first = await EventsAsync(created.Id, atLeast: 2);
        Assert.Equal(["created", "updated"], first.Select(e => e.Type));

        // Kafka delivers the "created" message a second time (as after a consumer crash before its offset was committed)...
        var original = _pipeline.ReadTopic().First(m => Inbox.TryGetMessageId(m.Message.Headers, out var id) && id == first[0].MessageId);
        var logsBefore = _factory.Logs.Count;
        await _pipeline.RedeliverAsync(original);

        // ...then a later change with the same key, so on the same partition behind the copy: once it is audited, the copy was consumed.
        await UpdateAsync(created.Id, new UserInput("Grace B. Hopper", "grace@yale.edu"));
        var events = await EventsAsync(created.Id, atLeast: 3);

        Assert.Equal(["created", "updated", "updated"], events.Select(e => e.Type));
        Assert.Equal(3, events.Select(e => e.MessageId).Distinct().Count());
        Assert.Single(events, e => e.MessageId == first[0].MessageId);

        // The inbox dropped the copy: had it let it through, its insert would have hit the audit table's key and been logged as a failure.
        Assert.DoesNotContain(_factory.Logs.GetSnapshot().Skip(logsBefore), r => r.Category == AuditConsumerCategory);
    }

    [Fact]
    public async Task An_event_the_consumer_could_not_record_is_read_again_and_audited_once_the_database_recovers()
    {
        // The audit table is away on every shard, so recording the next event fails as it would while a shard restarts.
        await _pipeline.RenameOnEveryShardAsync("user_events", "user_events_away");
        var logsBefore = _factory.Logs.Count;
        User created;
        try
        {
            created = await CreateAsync("Barbara", "barbara@example.com");
            await Eventually.TrueAsync(
                () => _factory.Logs.GetSnapshot().Skip(logsBefore).Any(r => r.Category == AuditConsumerCategory),
                because: "the audit consumer to fail recording the event");
        }
        finally
        {
            await _pipeline.RenameOnEveryShardAsync("user_events_away", "user_events");
        }

        var events = await EventsAsync(created.Id, atLeast: 1);
        Assert.Equal("created", Assert.Single(events).Type);
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

    [Fact]
    public async Task A_create_sent_again_with_its_idempotency_key_on_any_instance_stores_and_publishes_once()
    {
        var key = $"create-{Guid.NewGuid():N}";
        var email = $"idem.{Guid.NewGuid():N}@example.com";
        using var other = cluster.B.CreateClient();

        // The same create, sent six times at once to two instances (as retries and nginx's next-upstream attempts do).
        var responses = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => PostAsync(i % 2 == 0 ? _client : other, key, new UserInput("Idem", email))));
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Created, r.StatusCode));
        var users = await Task.WhenAll(responses.Select(r => r.Content.ReadFromJsonAsync<User>()));
        Assert.Single(users.Select(u => u!).Distinct());
        var user = users[0]!;

        // One row, and one event: once every outbox is empty, Kafka holds exactly one message for the user and the consumer audited one.
        Assert.Single(await _client.GetFromJsonAsync<List<User>>($"/users?email={email}") ?? [], u => u.Id == user.Id);
        await Eventually.TrueAsync(_pipeline.OutboxesAreEmptyAsync, because: "the shards' outboxes to be relayed to Kafka");
        Assert.Single(_pipeline.ReadTopic(), m => m.Message.Key == user.Id.ToString());
        Assert.Single(await EventsAsync(user.Id, atLeast: 1));

        // The key reused for another user is refused, and a malformed key is a validation problem; neither stores anything.
        var before = await CountAsync();
        await Problems.AssertAsync(await PostAsync(_client, key, new UserInput("Someone Else", "else@example.com")), HttpStatusCode.UnprocessableEntity);
        await Problems.AssertAsync(await PostAsync(_client, "has space", new UserInput("Bad Key", "bad.key@example.com")), HttpStatusCode.BadRequest);
        Assert.Equal(before.Total, (await CountAsync()).Total);
    }

    private static Task<HttpResponseMessage> PostAsync(HttpClient client, string idempotencyKey, UserInput input)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/users") { Content = JsonContent.Create(input) };
        request.Headers.Add(IdempotencyKey.Header, idempotencyKey);
        return client.SendAsync(request);
    }

    private async Task<User> CreateAsync(string name, string email)
    {
        var response = await _client.PostAsJsonAsync("/users", new UserInput(name, email));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<User>())!;
    }

    private async Task UpdateAsync(Guid id, UserInput input) =>
        Assert.Equal(HttpStatusCode.OK, (await _client.PutAsJsonAsync($"/users/{id}", input)).StatusCode);

    // The user's audited events, after waiting until there are at least `atLeast` of them.
    private async Task<List<AuditedEvent>> EventsAsync(Guid id, int atLeast = 0)
    {
        List<AuditedEvent> events = [];
        await Eventually.TrueAsync(
            async () => (events = (await _client.GetFromJsonAsync<List<AuditedEvent>>($"/users/{id}/events"))!).Count >= atLeast,
            because: $"{atLeast} events of user {id} to be relayed to Kafka and audited");
        return events;
    }

    private async Task<CountResponse> CountAsync() => (await _client.GetFromJsonAsync<CountResponse>("/users/count"))!;

    private sealed record CountResponse(long Total, bool Complete, Dictionary<string, long> Shards);
}
