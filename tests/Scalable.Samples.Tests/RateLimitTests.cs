using System.Net;

namespace Scalable.Samples.Tests;

public sealed class RateLimitTests(LimitedUsersApiFactory factory) : IClassFixture<LimitedUsersApiFactory>
{
    [Fact]
    public async Task Requests_over_the_limit_get_429_with_retry_after()
    {
        using var client = factory.CreateClient();

        var responses = new List<HttpResponseMessage>();
        for (var i = 0; i < 40; i++)
        {
            responses.Add(await client.GetAsync("/health"));
        }

        Assert.Contains(responses, r => r.StatusCode == HttpStatusCode.OK);
        var rejected = responses.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        Assert.NotEmpty(rejected);
        Assert.All(rejected, r => Assert.NotNull(r.Headers.RetryAfter));
    }
}
