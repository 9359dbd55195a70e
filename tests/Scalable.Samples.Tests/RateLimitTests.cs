using System.Net;

namespace Scalable.Samples.Tests;

[Collection(SampleClusterCollection.Name)]
public sealed class RateLimitTests(SampleCluster cluster)
{
    [Fact]
    public async Task Requests_over_the_limit_get_429_problem_details_with_retry_after_and_probes_are_never_limited()
    {
        using var client = cluster.CreateInstance(("Sample:RequestsPerSecond", "5"), ("Sample:RunConsumer", "false")).CreateClient();

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
    }
}
