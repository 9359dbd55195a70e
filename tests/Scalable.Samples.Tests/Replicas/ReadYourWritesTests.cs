using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Scalable.Samples.UsersApi;
using Scalable.Sharding;

namespace Scalable.Samples.Tests.Replicas;

/// <summary>The read-your-writes token over HTTP, on real streaming replication: each shard's standby is paused to make it stale on demand.</summary>
[Collection(SampleClusterCollection.Name)]
public sealed class ReadYourWritesTests(SampleCluster cluster)
{
    private const string Header = "Scalable-Read-Your-Writes";
    private const string Cookie = "scalable-rw";

    [Fact]
    public async Task A_client_that_sends_the_token_back_finds_its_new_email_while_the_standby_is_paused()
    {
        using var client = CreateReplicaClient();
        var oldEmail = $"rw.{Guid.NewGuid():N}@example.com";
        var user = await client.CreateUserAsync("Rw", oldEmail);
        var standby = cluster.Standbys[ShardIndex(user)];
        await cluster.WaitForStandbysAsync();
        Assert.Single(await FindAsync(client, oldEmail, token: null));

        await standby.PauseReplayAsync();
        try
        {
            var newEmail = $"rw.{Guid.NewGuid():N}@example.com";
            var put = await client.PutAsJsonAsync($"/users/{user.Id}", new UserInput("Rw", newEmail));
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
            var token = put.Headers.GetValues(Header).Single();
            // The cookie carries the same token (ASP.NET Core percent-encodes the value; the client sends it back as it came).
            var cookie = put.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith($"{Cookie}=", StringComparison.Ordinal)).Split(';')[0];
            Assert.Equal(token, Uri.UnescapeDataString(cookie[(Cookie.Length + 1)..]));

            // Without the token the paused standby answers, and it has not seen the change: this is what the token is for.
            Assert.Empty(await FindAsync(client, newEmail, token: null));
            Assert.Single(await FindAsync(client, oldEmail, token: null), u => u.Id == user.Id);

            // With it, in the header or the cookie, the change is seen.
            Assert.Single(await FindAsync(client, newEmail, token), u => u.Id == user.Id && u.Email == newEmail);
            using var withCookie = new HttpRequestMessage(HttpMethod.Get, $"/users?email={Uri.EscapeDataString(newEmail)}");
            withCookie.Headers.Add("Cookie", cookie);
            var byCookie = await client.SendAsync(withCookie);
            Assert.Equal(HttpStatusCode.OK, byCookie.StatusCode);
            Assert.Single((await byCookie.Content.ReadFromJsonAsync<List<User>>())!, u => u.Id == user.Id);
        }
        finally
        {
            await standby.ResumeReplayAsync();
        }
    }

    [Fact]
    public async Task A_deleted_user_is_not_found_while_the_standby_still_has_it()
    {
        using var client = CreateReplicaClient();
        var user = await client.CreateUserAsync("Gone", $"gone.{Guid.NewGuid():N}@example.com");
        var standby = cluster.Standbys[ShardIndex(user)];
        await cluster.WaitForStandbysAsync();

        await standby.PauseReplayAsync();
        try
        {
            Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/users/{user.Id}")).StatusCode);

            // The delete removed the cached copy; the reload must not put the standby's stale copy back (even without a token).
            Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/users/{user.Id}")).StatusCode);
            Assert.Single(await FindAsync(client, user.Email, token: null), u => u.Id == user.Id);
        }
        finally
        {
            await standby.ResumeReplayAsync();
        }
    }

    [Fact]
    public async Task A_client_that_always_sends_back_the_last_token_carries_its_writes_on_every_shard()
    {
        using var client = cluster.A.CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = false });
        string? token = null;
        var shards = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; shards.Count < 2; i++)
        {
            Assert.True(i < 100, "users should land on two shards");
            using var post = new HttpRequestMessage(HttpMethod.Post, "/users") { Content = JsonContent.Create(new UserInput($"Carry {i}", $"carry.{i}.{Guid.NewGuid():N}@example.com")) };
            if (token is not null)
            {
                post.Headers.Add(Header, token);
            }

            var created = await client.SendAsync(post);
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            shards.Add((await created.Content.ReadFromJsonAsync<User>())!.Shard);
            token = created.Headers.GetValues(Header).Single();
        }

        Assert.Equal(shards.Order(StringComparer.Ordinal), ReadYourWritesToken.Parse(token).Positions.Keys.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("not a token")]
    [InlineData("shard0:XYZ")]
    [InlineData("shard0:1.shard0:2")]
    public async Task A_malformed_token_is_a_400_problem_in_a_header_or_a_cookie(string malformed)
    {
        using var client = cluster.A.CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = false });
        using var byHeader = new HttpRequestMessage(HttpMethod.Get, "/users?email=someone@example.com");
        byHeader.Headers.TryAddWithoutValidation(Header, malformed);
        Assert.Equal([Header], await Problems.ValidationFieldsAsync(await client.SendAsync(byHeader)));

        using var byCookie = new HttpRequestMessage(HttpMethod.Put, $"/users/{Guid.NewGuid()}") { Content = JsonContent.Create(new UserInput("X", "x@example.com")) };
        byCookie.Headers.TryAddWithoutValidation("Cookie", $"{Cookie}={Uri.EscapeDataString(malformed)}");
        Assert.Equal([Header], await Problems.ValidationFieldsAsync(await client.SendAsync(byCookie)));
    }

    private static int ShardIndex(User user) => int.Parse(user.Shard["shard".Length..], System.Globalization.CultureInfo.InvariantCulture);

    private static async Task<List<User>> FindAsync(HttpClient client, string email, string? token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/users?email={Uri.EscapeDataString(email)}");
        if (token is not null)
        {
            request.Headers.Add(Header, token);
        }

        var response = await client.SendAsync(request);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<List<User>>())!;
    }

    // An instance that reads each shard's standby; the lag bound is wide, so a standby paused for the whole test stays in use.
    private HttpClient CreateReplicaClient()
        => cluster.CreateInstance(
                services => services.Configure<ScalableShardingOptions>(options => options.ReplicaReads.MaxLag = TimeSpan.FromMinutes(10)),
                [("Sample:RunConsumer", "false"), .. cluster.ReplicaSettings()])
            .CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = false });
}
