using System.Net;

namespace Scalable.Samples.Tests;

[Collection(SampleClusterCollection.Name)]
public sealed class RateLimitTests(SampleCluster cluster)
{
    [Fact]
    public async Task Requests_over_the_limit_get_429_problem_details_with_retry_after_and_probes_are_never_limited()
    {
        using var client = cluster.CreateInstance(("Sample:RequestsPerSecond", "5"), ("Sample:RunConsumer", "false")).CreateClient();
        UseOwnClientAddress(client);

        var responses = new List<HttpResponseMessage>();
        for (var i = 0; i < 40; i++)
        {
            responses.Add(await client.GetAsync($"/users/{Guid.NewGuid()}"));
        }

        Assert.Contains(responses, r => r.StatusCode == HttpStatusCode.NotFound);
        var rejected = responses.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        Assert.NotEmpty(rejected);
        foreach (var response in rejected)
        {
            Assert.NotNull(response.Headers.RetryAfter);
            await Problems.AssertAsync(response, HttpStatusCode.TooManyRequests);
        }

        for (var i = 0; i < 20; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/live")).StatusCode);
        }

        // The limit is per client: another address behind the same proxy is still admitted.
        using var other = cluster.CreateInstance(("Sample:RequestsPerSecond", "5"), ("Sample:RunConsumer", "false")).CreateClient();
        UseOwnClientAddress(other);
        Assert.Equal(HttpStatusCode.NotFound, (await other.GetAsync($"/users/{Guid.NewGuid()}")).StatusCode);
    }

    [Fact]
    public async Task With_local_shares_the_limit_still_holds_across_two_instances()
    {
        // 10 requests a second per client, each instance taking 2 permits from Redis at a time; requests sent 25 at once,
        // far faster than the limit even on a busy machine.
        (string, string)[] settings = [("Sample:RequestsPerSecond", "10"), ("Sample:RateLimitShare", "0.2"), ("Sample:RunConsumer", "false")];
        using var first = cluster.CreateInstance(settings).CreateClient();
        using var second = cluster.CreateInstance(settings).CreateClient();
        var address = UseOwnClientAddress(first);
        second.DefaultRequestHeaders.Add("X-Forwarded-For", address);

        var watch = System.Diagnostics.Stopwatch.StartNew();
        var statuses = new List<HttpStatusCode>();
        for (var batch = 0; batch < 8; batch++)
        {
            var responses = await Task.WhenAll(Enumerable.Range(0, 25).Select(i => (i % 2 == 0 ? first : second).GetAsync($"/users/{Guid.NewGuid()}")));
            statuses.AddRange(responses.Select(r => r.StatusCode));
        }

        var seconds = watch.Elapsed.TotalSeconds;
        var admitted = statuses.Count(s => s == HttpStatusCode.NotFound);
        Assert.Contains(HttpStatusCode.TooManyRequests, statuses);

        // What GCRA allows in that time (a full burst plus the rate), plus the shares the two instances may hold unspent.
        Assert.InRange(admitted, 1, 10 + (10 * seconds) + (2 * 2));
    }

    // The limit is per client address, kept in the collection's shared Redis: each test is its own client (as a proxy
    // would say in X-Forwarded-For), so what earlier tests spent of the "unknown" client's limit does not leak in.
    private static string UseOwnClientAddress(HttpClient client)
    {
        var address = $"2001:db8::{Random.Shared.Next(0x10000):x}:{Random.Shared.Next(0x10000):x}";
        client.DefaultRequestHeaders.Add("X-Forwarded-For", address);
        return address;
    }
}
