using System.Net;
using System.Net.Http.Json;
using System.Text;
using Scalable.Samples.UsersApi;

namespace Scalable.Samples.Tests;

[Collection(SampleClusterCollection.Name)]
public sealed class ValidationTests(SampleCluster cluster)
{
    private readonly HttpClient _client = cluster.B.CreateClient();

    public static TheoryData<string?, string?, string> BadInputs => new()
    {
        { null, "ada@example.com", "name" },
        { "", "ada@example.com", "name" },
        { "   ", "ada@example.com", "name" },
        { new string('a', 101), "ada@example.com", "name" },
        { "Ada\0Lovelace", "ada@example.com", "name" },
        { "Ada\nLovelace", "ada@example.com", "name" },
        { "Ada\u0007", "ada@example.com", "name" },
        { " Ada", "ada@example.com", "name" },
        { "Ada", null, "email" },
        { "Ada", "@", "email" },
        { "Ada", "ada@", "email" },
        { "Ada", "@example.com", "email" },
        { "Ada", "ada lovelace@example.com", "email" },
        { "Ada", "ada@example.com\n", "email" },
        { "Ada", "ada\r\n@example.com", "email" },
        { "Ada", "ada@@example.com", "email" },
        { "Ada", "ada@localhost", "email" },
        { "Ada", "ada@example..com", "email" },
        { "Ada", "ada@-example.com", "email" },
        { "Ada", ".ada@example.com", "email" },
        { "Ada", "ada@1.2.3.4", "email" },
        { "Ada", "ada\0@example.com", "email" },
        { "Ada", new string('a', 250) + "@example.com", "email" },
        { "", "@", "email,name" },
    };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public async Task Each_bad_field_is_named_in_a_validation_problem_and_nothing_is_written(string? name, string? email, string fields)
    {
        var existing = await _client.CreateUserAsync("Existing", "existing@example.com");
        var before = await _client.CountAsync();

        var created = await _client.PostAsJsonAsync("/users", new UserInput(name, email));
        var updated = await _client.PutAsJsonAsync($"/users/{existing.Id}", new UserInput(name, email));

        Assert.Equal(fields.Split(','), await Problems.ValidationFieldsAsync(created));
        Assert.Equal(fields.Split(','), await Problems.ValidationFieldsAsync(updated));
        Assert.Equal(before, await _client.CountAsync());
        Assert.Equal(existing, await _client.GetFromJsonAsync<User>($"/users/{existing.Id}"));
    }

    [Fact]
    public async Task Good_input_at_the_limits_is_accepted()
    {
        var user = await _client.CreateUserAsync(new string('é', UserValidator.MaxNameLength), "o'brien+tag@mail.example-domain.co.uk");
        Assert.Equal(user, await _client.GetFromJsonAsync<User>($"/users/{user.Id}"));
    }

    [Theory]
    [InlineData(100 * 1024)]
    [InlineData(2 * 1024 * 1024)]
    public async Task A_body_over_the_limit_is_413_problem_details_and_nothing_is_written(int nameLength)
    {
        var before = await _client.CountAsync();

        var response = await _client.PostAsJsonAsync("/users", new UserInput(new string('a', nameLength), "big@example.com"));

        await Problems.AssertAsync(response, HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal(before, await _client.CountAsync());
    }

    [Fact]
    public async Task Malformed_requests_get_problem_details_and_nothing_is_written()
    {
        var before = await _client.CountAsync();

        await Problems.AssertAsync(await _client.PostAsync("/users", new StringContent("{\"name\":", Encoding.UTF8, "application/json")), HttpStatusCode.BadRequest);
        await Problems.AssertAsync(await _client.PostAsync("/users", new StringContent("{\"name\":42,\"email\":[]}", Encoding.UTF8, "application/json")), HttpStatusCode.BadRequest);
        await Problems.AssertAsync(await _client.PostAsync("/users", new StringContent("{\"name\":\"\\ud800\",\"email\":\"a@example.com\"}", Encoding.UTF8, "application/json")), HttpStatusCode.BadRequest);
        await Problems.AssertAsync(await _client.PostAsync("/users", new StringContent(string.Empty, Encoding.UTF8, "application/json")), HttpStatusCode.BadRequest);
        await Problems.AssertAsync(await _client.PostAsync("/users", new StringContent("name=Ada", Encoding.UTF8, "text/plain")), HttpStatusCode.UnsupportedMediaType);
        await Problems.AssertAsync(await _client.PatchAsync("/users/" + Guid.NewGuid(), JsonContent.Create(new UserInput("Ada", "ada@example.com"))), HttpStatusCode.MethodNotAllowed);
        await Problems.AssertAsync(await _client.GetAsync("/users/not-a-guid"), HttpStatusCode.NotFound);
        await Problems.AssertAsync(await _client.GetAsync("/nowhere"), HttpStatusCode.NotFound);
        await Problems.AssertAsync(await _client.GetAsync("/users?email="), HttpStatusCode.BadRequest);

        Assert.Equal(before, await _client.CountAsync());
    }
}
