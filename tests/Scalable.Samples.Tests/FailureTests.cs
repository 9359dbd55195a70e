using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Scalable.Samples.UsersApi;
using Scalable.TestSupport;

namespace Scalable.Samples.Tests;

[Collection(SampleClusterCollection.Name)]
public sealed class FailureTests(SampleCluster cluster)
{
    [Fact]
    public async Task A_stopped_shard_gives_its_users_503_with_retry_after_others_are_unaffected_and_it_recovers_without_a_restart()
    {
        // An instance whose cache entries expire after a second, to see a stale copy answer for the stopped shard.
        var instance = cluster.CreateInstance(("Sample:CacheSeconds", "1"), ("Sample:RunConsumer", "false"));
        using var client = instance.CreateClient();
        client.Timeout = TimeSpan.FromSeconds(30);
        var users = await client.CreateUserOnEveryShardAsync("outage");
        var down = users["shard1"];
        var unknownOnDown = UnknownIdOn(instance, "shard1");
        var unknownOnUp = UnknownIdOn(instance, "shard0");
        await Task.Delay(TimeSpan.FromSeconds(1.5)); // the cached copies are now stale, kept by fail-safe

        await cluster.ShardServers[1].StopAsync();
        try
        {
            // The stopped shard's users: an uncached read, an update and a delete are 503 problem details naming the shard.
            foreach (var response in new[]
            {
                await client.GetAsync($"/users/{unknownOnDown}"),
                await client.PutAsJsonAsync($"/users/{down.Id}", new UserInput("Changed", "changed@example.com")),
                await client.DeleteAsync($"/users/{down.Id}"),
                await client.GetAsync($"/users/{unknownOnDown}"),
            })
            {
                var problem = await Problems.AssertAsync(response, HttpStatusCode.ServiceUnavailable);
                Assert.Equal("shard1", problem.GetProperty("shard").GetString());
                Assert.NotNull(response.Headers.RetryAfter);
            }

            // A cached user of the stopped shard is still answered, marked stale.
            var stale = await client.GetAsync($"/users/{down.Id}");
            Assert.Equal(HttpStatusCode.OK, stale.StatusCode);
            Assert.Equal("stale", stale.CacheHeader());
            Assert.Equal(down, await stale.Content.ReadFromJsonAsync<User>());

            // Other shards: reads, unknown ids and writes as usual.
            foreach (var user in users.Values.Where(u => u.Shard != "shard1"))
            {
                Assert.Equal(HttpStatusCode.OK, (await client.PutAsJsonAsync($"/users/{user.Id}", new UserInput("Still here", "still@example.com"))).StatusCode);
                Assert.Equal("Still here", (await client.GetFromJsonAsync<User>($"/users/{user.Id}"))!.Name);
            }

            await Problems.AssertAsync(await client.GetAsync($"/users/{unknownOnUp}"), HttpStatusCode.NotFound);

            // The count names the missing shard; readiness reports it degraded without taking the instance out.
            var count = (await client.GetFromJsonAsync<UserCount>("/users/count"))!;
            Assert.False(count.Complete);
            Assert.Equal(["shard1"], count.FailedShards);
            var ready = await client.GetAsync("/health/ready");
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
            var shard1 = JsonDocument.Parse(await ready.Content.ReadAsStringAsync()).RootElement.GetProperty("checks").GetProperty("shard1");
            Assert.Equal("Degraded", shard1.GetProperty("status").GetString());
        }
        finally
        {
            await cluster.ShardServers[1].RestartAsync();
        }

        // Back without restarting the app: once the breaker lets a trial through, the shard's users are served again.
        await Eventually.TrueAsync(
            async () => (await client.PutAsJsonAsync($"/users/{down.Id}", new UserInput("Recovered", "recovered@example.com"))).StatusCode == HttpStatusCode.OK,
            TimeSpan.FromSeconds(60),
            because: "writes to the restarted shard to succeed");
        Assert.Equal("Recovered", (await client.GetFromJsonAsync<User>($"/users/{down.Id}"))!.Name);
    }

    [Fact]
    public async Task With_redis_stopped_reads_are_answered_and_writes_still_work()
    {
        using var a = cluster.A.CreateClient();
        using var b = cluster.B.CreateClient();
        a.Timeout = b.Timeout = TimeSpan.FromSeconds(30);
        var before = await a.CreateUserAsync("Before", "before@example.com");
        Assert.Equal(HttpStatusCode.OK, (await b.GetAsync($"/users/{before.Id}")).StatusCode);

        await cluster.Redis.StopAsync();
        User during;
        try
        {
            during = await a.CreateUserAsync("During", "during@example.com");
            Assert.Equal(before, await b.GetFromJsonAsync<User>($"/users/{before.Id}"));
            Assert.Equal(during, await a.GetFromJsonAsync<User>($"/users/{during.Id}"));
            Assert.Equal(during, await b.GetFromJsonAsync<User>($"/users/{during.Id}"));
            Assert.Equal(HttpStatusCode.OK, (await b.PutAsJsonAsync($"/users/{during.Id}", new UserInput("During 2", "during@example.com"))).StatusCode);
        }
        finally
        {
            await cluster.Redis.RestartAsync();
        }

        await Eventually.TrueAsync(
            async () => (await a.GetFromJsonAsync<User>($"/users/{during.Id}"))!.Name == "During 2",
            TimeSpan.FromSeconds(60),
            because: "instance A to serve B's update once Redis is back");

        // Both instances listen to invalidations again: an update on A is what B answers next (the other tests rely on it).
        await Eventually.TrueAsync(
            async () =>
            {
                var name = $"After {Guid.NewGuid():N}"[..20];
                await a.PutAsJsonAsync($"/users/{during.Id}", new UserInput(name, "during@example.com"));
                return (await b.GetFromJsonAsync<User>($"/users/{during.Id}"))!.Name == name;
            },
            TimeSpan.FromSeconds(60),
            because: "instance B to see A's updates at once again");
    }

    private static Guid UnknownIdOn(SampleInstance instance, string shard)
    {
        var users = (UserRepository)instance.Services.GetService(typeof(UserRepository))!;
        while (true)
        {
            var id = Guid.NewGuid();
            if (users.ShardOf(id).Name == shard)
            {
                return id;
            }
        }
    }
}
