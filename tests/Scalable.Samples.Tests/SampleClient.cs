using System.Net;
using System.Net.Http.Json;
using Scalable.Samples.UsersApi;

namespace Scalable.Samples.Tests;

/// <summary>Small helpers over an instance's HttpClient.</summary>
internal static class SampleClient
{
    public static async Task<User> CreateUserAsync(this HttpClient client, string name, string email)
    {
        var response = await client.PostAsJsonAsync("/users", new UserInput(name, email));
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<User>())!;
    }

    // Creates users until every shard holds one of them; returns one user per shard, by shard name.
    public static async Task<Dictionary<string, User>> CreateUserOnEveryShardAsync(this HttpClient client, string prefix)
    {
        var users = new Dictionary<string, User>(StringComparer.Ordinal);
        for (var i = 0; users.Count < SampleCluster.ShardCount; i++)
        {
            Assert.True(i < 200, "users should land on every shard");
            var user = await client.CreateUserAsync($"{prefix} {i}", $"{prefix}.{i}@example.com");
            users.TryAdd(user.Shard, user);
        }

        return users;
    }

    public static async Task<long> CountAsync(this HttpClient client) => (await client.GetFromJsonAsync<UserCount>("/users/count"))!.Total;

    public static string? CacheHeader(this HttpResponseMessage response)
        => response.Headers.TryGetValues(UserEndpoints.CacheHeader, out var values) ? values.Single() : null;
}
