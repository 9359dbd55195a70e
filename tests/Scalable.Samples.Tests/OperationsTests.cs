using System.Net;
using System.Text.Json;

namespace Scalable.Samples.Tests;

[Collection(SampleClusterCollection.Name)]
public sealed class OperationsTests(SampleCluster cluster)
{
    private readonly HttpClient _client = cluster.B.CreateClient();

    [Fact]
    public async Task Readiness_lists_redis_every_shard_kafka_and_the_outbox_lag()
    {
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync("/health/live")).StatusCode);

        var ready = await _client.GetAsync("/health/ready");

        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        var report = JsonDocument.Parse(await ready.Content.ReadAsStringAsync()).RootElement;
        var checks = report.GetProperty("checks").EnumerateObject().ToDictionary(c => c.Name, c => c.Value.GetProperty("status").GetString());
        Assert.Equal(["draining", "kafka", "outbox-lag", "redis", "shard0", "shard1", "shard2"], checks.Keys.Order(StringComparer.Ordinal));
        Assert.All(checks.Values, status => Assert.Equal("Healthy", status));
    }

    [Fact]
    public async Task Metrics_carry_the_packages_meters_and_aspnetcore_s()
    {
        var user = await _client.CreateUserAsync("Metered", "metered@example.com");
        await _client.GetAsync($"/users/{user.Id}");

        var metrics = await _client.GetStringAsync("/metrics");

        Assert.Contains("http_server_request_duration_seconds", metrics, StringComparison.Ordinal);
        Assert.Contains("scalable_cache_hits", metrics, StringComparison.Ordinal);
        Assert.Contains("scalable_messaging_outbox_enqueued", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_openapi_document_describes_the_users_api_and_the_reference_page_is_served()
    {
        var document = await _client.GetStringAsync("/openapi/v1.json");

        Assert.Contains("/users/{id}", document, StringComparison.Ordinal);
        Assert.Contains("/users/count", document, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync("/scalar/v1")).StatusCode);
    }
}
