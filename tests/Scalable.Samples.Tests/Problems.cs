using System.Net;
using System.Text.Json;

namespace Scalable.Samples.Tests;

/// <summary>Checks that a response is an RFC 7807 problem details document.</summary>
internal static class Problems
{
    public static async Task<JsonElement> AssertAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"Expected {status}, got {response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(body).RootElement.Clone();
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("title").GetString()));
        return problem;
    }

    // The field names that a validation problem names in its errors.
    public static async Task<string[]> ValidationFieldsAsync(HttpResponseMessage response)
    {
        var problem = await AssertAsync(response, HttpStatusCode.BadRequest);
        return problem.GetProperty("errors").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal).ToArray();
    }
}
